package workflows

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The replay tests guard running workflows only if a changed command
// sequence actually fails them. These tests prove it on a recorded build:
// the same workflow with one extra activity call in front fails replay with
// a nondeterminism error, and the same change behind workflow.GetVersion
// replays, because a run recorded before the change takes the old branch.

// recordedBuild is a build history recorded from the committed code.
var recordedBuild = filepath.Join("testdata", "histories", "build-succeeded.json")

// unrecordedActivity is an activity no recorded history has scheduled.
const unrecordedActivity = "DroverReplayGuardProbe"

func extraActivity(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, unrecordedActivity).Get(ctx, nil)
}

// buildWithUnversionedChange is Build with a change a running build cannot survive.
func buildWithUnversionedChange(ctx workflow.Context, in BuildInput) (BuildState, error) {
	if err := extraActivity(ctx); err != nil {
		return BuildState{}, err
	}
	return Build(ctx, in)
}

// buildWithVersionedChange is the same change behind workflow.GetVersion.
func buildWithVersionedChange(ctx workflow.Context, in BuildInput) (BuildState, error) {
	if workflow.GetVersion(ctx, "replay-guard-probe", workflow.DefaultVersion, 1) == 1 {
		if err := extraActivity(ctx); err != nil {
			return BuildState{}, err
		}
	}
	return Build(ctx, in)
}

func replayBuildAs(t *testing.T, build func(workflow.Context, BuildInput) (BuildState, error)) error {
	t.Helper()
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(build, workflow.RegisterOptions{Name: BuildWorkflowName})
	return r.ReplayWorkflowHistoryFromJSONFile(nil, recordedBuild)
}

func TestReplayFailsOnUnversionedChange(t *testing.T) {
	require.NoError(t, replayBuildAs(t, Build), "the recorded history must replay against the committed code")
	err := replayBuildAs(t, buildWithUnversionedChange)
	require.Error(t, err, "an extra activity call must break the replay of a recorded build")
	// TMPRL1100 marks the SDK's nondeterminism errors.
	require.ErrorContains(t, err, "TMPRL1100")
}

func TestReplayPassesWithGetVersion(t *testing.T) {
	require.NoError(t, replayBuildAs(t, buildWithVersionedChange))
}
