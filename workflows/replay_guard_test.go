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
// sequence actually fails them. These tests prove it on recorded histories
// (a build, and a promotion that went through approvals): the same workflow
// with one extra activity call in front fails replay with a nondeterminism
// error, and the same change behind workflow.GetVersion replays, because a
// run recorded before the change takes the old branch — which is what lets
// new workers take over promotions that wait for approval.

// unrecordedActivity is an activity no recorded history has scheduled.
const unrecordedActivity = "DroverReplayGuardProbe"

func extraActivity(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, unrecordedActivity).Get(ctx, nil)
}

// changed is wf with an extra activity call in front of it, behind
// workflow.GetVersion when versioned.
func changed[I, O any](wf func(workflow.Context, I) (O, error), versioned bool) func(workflow.Context, I) (O, error) {
	return func(ctx workflow.Context, in I) (O, error) {
		if !versioned || workflow.GetVersion(ctx, "replay-guard-probe", workflow.DefaultVersion, 1) == 1 {
			if err := extraActivity(ctx); err != nil {
				var zero O
				return zero, err
			}
		}
		return wf(ctx, in)
	}
}

// replayGuardCases are recorded histories and how to register their
// workflow: as committed, with an unversioned change, or with a versioned one.
var replayGuardCases = []struct {
	history  string
	register func(r worker.WorkflowReplayer, change string)
}{
	{"build-succeeded.json", func(r worker.WorkflowReplayer, change string) {
		r.RegisterWorkflowWithOptions(variant(Build, change), workflow.RegisterOptions{Name: BuildWorkflowName})
	}},
	{"promotion-completed.json", registerPromotion},
	// Recorded while prod waits for approval (tests: TestPromotionThroughTheAPI
	// with DROVER_RECORD_HISTORIES=1): the upgrade that must not break it.
	{"promotion-awaiting-approval.json", registerPromotion},
}

func registerPromotion(r worker.WorkflowReplayer, change string) {
	r.RegisterWorkflowWithOptions(variant(Promotion, change), workflow.RegisterOptions{Name: PromotionWorkflowName})
}

func variant[I, O any](wf func(workflow.Context, I) (O, error), change string) func(workflow.Context, I) (O, error) {
	switch change {
	case "unversioned":
		return changed(wf, false)
	case "versioned":
		return changed(wf, true)
	}
	return wf
}

func replayAs(t *testing.T, history string, register func(worker.WorkflowReplayer, string), change string) error {
	t.Helper()
	path := filepath.Join("testdata", "histories", history)
	// A missing history must fail, not skip: a skipped guard guards nothing.
	require.FileExists(t, path, "recorded history missing (DROVER_RECORD_HISTORIES=1 go test ./tests records it)")
	r := worker.NewWorkflowReplayer()
	register(r, change)
	return r.ReplayWorkflowHistoryFromJSONFile(nil, path)
}

func TestReplayFailsOnUnversionedChange(t *testing.T) {
	for _, c := range replayGuardCases {
		t.Run(c.history, func(t *testing.T) {
			require.NoError(t, replayAs(t, c.history, c.register, "none"), "the recorded history must replay against the committed code")
			err := replayAs(t, c.history, c.register, "unversioned")
			require.Error(t, err, "an extra activity call must break the replay of a recorded run")
			// TMPRL1100 marks the SDK's nondeterminism errors.
			require.ErrorContains(t, err, "TMPRL1100")
		})
	}
}

func TestReplayPassesWithGetVersion(t *testing.T) {
	for _, c := range replayGuardCases {
		t.Run(c.history, func(t *testing.T) {
			require.NoError(t, replayAs(t, c.history, c.register, "versioned"))
		})
	}
}
