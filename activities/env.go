package activities

import (
	"strconv"

	"github.com/drover-ci/drover/gitsource"
)

// taskEnv is the environment of a task's script: base (PATH, HOME, LANG:
// never the worker's whole environment, which holds its settings and
// secrets), then the variables describing the task, then the task's own.
// The repository is given without credentials; publishRoot, when set, is
// DROVER_PUBLISH_ROOT.
func taskEnv(base []string, in RunTaskInput, attempt int, workspace, publishRoot string) []string {
	env := make([]string, 0, len(base)+11+len(in.Task.Env))
	env = append(env, base...)
	env = append(env,
		"DROVER_PROJECT="+in.Project,
		"DROVER_BUILD_ID="+in.BuildID,
		"DROVER_RUN_ID="+in.RunID,
		"DROVER_COMMIT="+in.Commit,
		"DROVER_BRANCH="+in.Branch,
		"DROVER_STAGE="+in.Task.Stage,
		"DROVER_TASK="+in.Task.Name,
		"DROVER_ATTEMPT="+strconv.Itoa(attempt),
		"DROVER_WORKSPACE="+workspace,
		"DROVER_REPOSITORY="+gitsource.Redact(in.Repository),
	)
	if in.Version != "" {
		// The version the build registers if it succeeds.
		env = append(env, "DROVER_VERSION="+in.Version)
	}
	if publishRoot != "" {
		env = append(env, "DROVER_PUBLISH_ROOT="+publishRoot)
	}
	for _, v := range in.Task.Env {
		env = append(env, v.Name+"="+v.Value)
	}
	return env
}
