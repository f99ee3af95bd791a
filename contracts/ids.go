package contracts

import (
	"fmt"
	"strings"
)

// BuildID is the workflow ID of the build of a project at a commit.
func BuildID(project, commit string) string {
	return fmt.Sprintf("build/%s/%s", project, commit)
}

// BuildIDWithInputs is the workflow ID of the build of a project at a
// commit with input values other than the defaults, told apart by their
// pipeline.Plan.InputsKey: build/<project>/<commit>/<key>. An empty key is
// BuildID.
func BuildIDWithInputs(project, commit, inputsKey string) string {
	if inputsKey == "" {
		return BuildID(project, commit)
	}
	return BuildID(project, commit) + "/" + inputsKey
}

// BuildInputsKey is the inputs key of id, a build of project at commit
// (see BuildIDWithInputs): empty for the commit's build with the defaults.
func BuildInputsKey(id, project, commit string) string {
	key, _ := strings.CutPrefix(id, BuildID(project, commit)+"/")
	if key == id {
		return ""
	}
	return key
}

// PromotionID is the workflow ID of the promotion of a project's version.
func PromotionID(project, version string) string {
	return fmt.Sprintf("promote/%s/%s", project, version)
}

// EnvironmentID is the workflow ID of a project's environment lock.
func EnvironmentID(project, environment string) string {
	return fmt.Sprintf("env/%s/%s", project, environment)
}

// PollScheduleID is the ID of the Temporal Schedule that polls project.
func PollScheduleID(project string) string {
	return fmt.Sprintf("poll/%s", project)
}
