package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// activityStartMissingBuilds is activities.HeadPoller.StartMissingBuilds.
const activityStartMissingBuilds = "StartMissingBuilds"

// Poll starts the builds of branch heads that have none, so that a push
// whose webhook was lost is built at the next poll. A Schedule runs it
// every poll interval (ID PollScheduleID); builds are started through the
// API, which makes a head already built a no-op.
//
// The activity is retried a few times only: the next scheduled run tries
// again anyway, and a run that failed for good shows in the schedule's
// recent actions.
func Poll(ctx workflow.Context, in PollInput) (PollResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
			MaximumAttempts:    3,
		},
	})
	var res PollResult
	err := workflow.ExecuteActivity(ctx, activityStartMissingBuilds, contracts.StartMissingBuildsInput(in)).Get(ctx, &res)
	if err != nil {
		return res, fmt.Errorf("poll heads of %s: %w", in.Project, err)
	}
	workflow.GetLogger(ctx).Info("Poll done", "project", in.Project, "heads", res.Heads,
		"started", res.Started, "existing", res.Existing, "skipped", res.Skipped)
	return res, nil
}
