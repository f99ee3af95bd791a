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
	if workflow.GetVersion(ctx, freezeChangeID, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return ""
	}
	env := r.plan.Environments[i]
	// A ledger that does not answer is retried until it does (the pending
	// activity shows its error); only cancellation ends the wait.
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	waited := false
	for {
		var st contracts.FreezeStatus
		err := workflow.ExecuteActivity(actx, activityCheckFreeze,
			contracts.FreezeCheckInput{Project: r.in.Project, Environment: env.Name}).Get(ctx, &st)
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
