package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

func TestBuildHandsATaskTheArtifactsItNeeds(t *testing.T) {
	be := newBuildEnv(t, nil)
	image := task("image", 0)
	image.Needs = []pipeline.NeededArtifact{{Stage: "build", Task: "compile", Name: "compile.tgz", Path: "dist/x.tgz"}}
	plain := task("docs", 0)
	state, err := be.run(t, testPlan(
		stage("build", false, task("compile", 0)),
		stage("package", false, image, plain),
	))
	require.NoError(t, err)
	require.Equal(t, StatusSucceeded, state.Status)
	be.tasks.mu.Lock()
	defer be.tasks.mu.Unlock()
	require.Equal(t, []contracts.ArtifactRef{{Name: "build/compile/compile.tgz", Path: "dist/x.tgz",
		Key: "artifacts/build/compile", SHA256: "abc", Size: 3}}, be.tasks.inputs["package/image"].Needs)
	require.Nil(t, be.tasks.inputs["package/docs"].Needs, "a task that needs nothing gets the input it always got")
}

func TestBuildKeepsTheOutcomeOfATasksSteps(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeFail}})
	unit := task("unit", 0)
	unit.Steps = []pipeline.Step{{Name: "deps", Run: "true"}, {Name: "test", Run: "false"}}
	state, err := be.run(t, testPlan(stage("verify", false, unit), stage("later", false, task("never", 0))))
	require.Error(t, err)
	require.Equal(t, []contracts.TaskStepState{{Name: "deps", Status: TaskSucceeded}, {Name: "test", Status: TaskFailed}},
		state.Stages[0].Tasks[0].Steps)
	require.Nil(t, state.Stages[1].Tasks[0].Steps, "a task of a plain run script has no steps")
}
