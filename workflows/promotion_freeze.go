package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// freezeChangeID versions the freeze gate: promotions recorded before it
// existed replay without asking whether an environment is frozen.
const freezeChangeID = "freeze-gate"

// FreezePoll is how often a promotion waiting at a frozen environment asks
// again (sooner when the freeze ends sooner).
const FreezePoll = 2 * time.Minute

// freezeGate waits, after environment i's other gates and before its lock,
// while the environment is frozen: its state is frozen and its detail says
// why, by whom and until when. It returns the environment's result when the
// wait ended it (cancelled, superseded), "" once the freeze has lifted.
func (r *promotionRun) freezeGate(ctx workflow.Context, i int) string {
	if !r.rec.current && workflow.GetVersion(ctx, freezeChangeID, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return ""
	}
	env := r.plan.Environments[i]
	check := r.checkFreeze(ctx)
	waited := false
	for {
		var st contracts.FreezeStatus
		err := check(contracts.FreezeCheckInput{Project: r.in.Project, Environment: env.Name}).Get(ctx, &st)
		if err != nil {
			if ctx.Err() != nil {
				return EnvCancelled
			}
			r.rec.env(i).Detail = "check the environment's freeze: " + failureMessage(err)
			return EnvFailed
		}
		if !st.Frozen {
			if waited {
				r.rec.env(i).Detail = ""
				r.rec.emit(EventFreezeLifted, env.Name, fmt.Sprintf("%s is no longer frozen: %s %s goes on", env.Name, r.in.Project, r.in.Version))
			}
			return ""
		}
		detail := "frozen: " + clip(st.Reason)
		if st.By != "" {
			detail += " (by " + clip(st.By) + ")"
		}
		if st.Until != nil {
			detail += " until " + st.Until.UTC().Format(time.RFC3339)
		}
		if !waited || r.rec.env(i).Detail != detail {
			r.rec.emit(EventFrozen, env.Name, fmt.Sprintf("%s waits: %s is %s", r.in.Version, env.Name, detail))
		}
		waited = true
		r.rec.env(i).Detail = detail
		r.setState(ctx, i, EnvFrozen)
		wait := FreezePoll
		if st.Until != nil {
			if d := st.Until.Sub(r.now()); d > 0 && d < wait {
				wait = d
			}
		}
		r.freezeRecheck = false
		if result, _ := r.await(ctx, wait, func() bool { return r.freezeRecheck }); result != "" {
			return result
		}
	}
}

// checkFreeze returns how the freeze gate runs the CheckFreeze activity. A
// ledger that does not answer is retried until it does; only cancellation
// ends the wait. Promotions since promotionChangesChangeID run it as a local
// activity, in the workflow task that passed the gates before it (for an
// approval, the one that completes the decision), which saves an activity
// task and a workflow task before the lock is asked; its failed attempts
// show in the worker's log instead of the pending activity. Promotions
// recorded before it run it as an activity, as they did.
func (r *promotionRun) checkFreeze(ctx workflow.Context) func(contracts.FreezeCheckInput) workflow.Future {
	retry := &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second}
	if r.rec.current {
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: 30 * time.Second, RetryPolicy: retry,
		})
		return func(in contracts.FreezeCheckInput) workflow.Future {
			return workflow.ExecuteLocalActivity(lctx, activityCheckFreeze, in)
		}
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second, RetryPolicy: retry})
	return func(in contracts.FreezeCheckInput) workflow.Future {
		return workflow.ExecuteActivity(actx, activityCheckFreeze, in)
	}
}
