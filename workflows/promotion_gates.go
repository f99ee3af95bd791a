package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// await waits until done holds, timeout passes (never when zero), the
// promotion is superseded in the current environment or cancelled. It
// returns the environment's result when the wait ended it ("" otherwise) and
// whether done held.
func (r *promotionRun) await(ctx workflow.Context, timeout time.Duration, done func() bool) (string, bool) {
	cond := func() bool { return r.lock.superseded != nil || done() }
	var err error
	if timeout > 0 {
		_, err = workflow.AwaitWithTimeout(ctx, timeout, cond)
	} else {
		err = workflow.Await(ctx, cond)
	}
	switch {
	case err != nil || ctx.Err() != nil:
		return EnvCancelled, false
	case r.lock.superseded != nil:
		return EnvSuperseded, false
	}
	return "", done()
}

func never() bool { return false }

// enter registers the promotion at environment i's lock (starting the
// Environment workflow when needed), so that under supersede a newer version
// can replace it while it waits at the gates.
func (r *promotionRun) enter(ctx workflow.Context, i int) string {
	env := r.plan.Environments[i]
	// At is the promotion's start: the age of the version, by which supersede
	// tells older from newer.
	err := r.lock.enter(ctx, env.Name, contracts.LockRequest{PromotionID: r.rec.state.ID, RunID: r.rec.state.RunID,
		Version: r.in.Version, Policy: env.Policy, At: r.rec.state.StartedAt})
	if err == nil {
		return ""
	}
	if ctx.Err() != nil {
		return EnvCancelled
	}
	r.rec.env(i).Detail = "enter environment: " + failureMessage(err)
	return EnvFailed
}

// passGates waits at environment i's gates: the soak of the environment
// before, the window, the approval, and the window again if it closed while
// the approval waited.
func (r *promotionRun) passGates(ctx workflow.Context, i int) string {
	for _, gate := range []func(workflow.Context, int) string{r.soak, r.window, r.approval, r.window} {
		if result := gate(ctx, i); result != "" {
			return result
		}
	}
	return ""
}

// soak waits until the version has stayed long enough, verified, in the
// environment deployed before this one.
func (r *promotionRun) soak(ctx workflow.Context, i int) string {
	until := r.soakUntil
	if until == nil {
		return ""
	}
	r.soakUntil = nil
	now := r.now()
	es := r.rec.env(i)
	es.Gates = append([]GateState{{Kind: GateSoak, State: GatePending, WaitingSince: &now, Deadline: until,
		Detail: fmt.Sprintf("soak in %s", r.soakFrom)}}, es.Gates...)
	if until.After(now) {
		r.setState(ctx, i, EnvAwaitingSoak)
		if result, _ := r.await(ctx, until.Sub(now), never); result != "" {
			return result
		}
	}
	r.rec.gate(i, GateSoak).State = GatePassed
	return ""
}

// window waits until environment i's weekly deploy window is open.
func (r *promotionRun) window(ctx workflow.Context, i int) string {
	w := r.plan.Environments[i].Window
	if w == nil {
		return ""
	}
	for {
		now := r.now()
		opens, err := w.NextOpening(now)
		g := r.rec.gate(i, GateWindow)
		if err != nil {
			r.rec.env(i).Detail = err.Error()
			return EnvFailed
		}
		if !opens.After(now) {
			g.State, g.Deadline = GatePassed, nil
			return ""
		}
		g.State, g.Deadline = GatePending, &opens
		if g.WaitingSince == nil {
			g.WaitingSince = &now
		}
		r.setState(ctx, i, EnvAwaitingWindow)
		if result, _ := r.await(ctx, opens.Sub(now), never); result != "" {
			return result
		}
	}
}

// approval asks for environment i's approvals and waits for enough of them,
// a rejection or the timeout.
func (r *promotionRun) approval(ctx workflow.Context, i int) string {
	env := r.plan.Environments[i]
	if env.Approval == nil {
		return ""
	}
	timeout := env.Approval.Timeout
	now := r.now()
	deadline := now.Add(timeout)
	g := r.rec.gate(i, GateApproval)
	g.State, g.WaitingSince, g.Deadline = GatePending, &now, &deadline
	r.rec.emit(EventApprovalRequested, env.Name, fmt.Sprintf("%s %s to %s needs %d approval(s) from %s",
		r.in.Project, r.in.Version, env.Name, g.Required, strings.Join(g.Approvers, ", ")))
	r.setState(ctx, i, EnvAwaitingApproval)

	result, decided := r.await(ctx, timeout, func() bool { return r.rec.gate(i, GateApproval).State != GatePending })
	if result != "" {
		return result
	}
	g = r.rec.gate(i, GateApproval)
	switch {
	case !decided:
		g.State = GateExpired
		r.rec.env(i).Detail = fmt.Sprintf("no approval within %s", timeout)
		return EnvExpired
	case g.State == GateRejected:
		return EnvRejected
	}
	return ""
}

// takeLock asks environment i's lock for the promotion's turn and waits for it.
func (r *promotionRun) takeLock(ctx workflow.Context, i int) string {
	if r.lock.superseded != nil {
		return EnvSuperseded
	}
	if !r.lock.byUpdate {
		r.setState(ctx, i, EnvQueued)
	}
	if err := r.lock.acquire(ctx, r.plan.Environments[i].Name); err != nil {
		if ctx.Err() != nil {
			return EnvCancelled
		}
		r.rec.env(i).Detail = "ask for the lock: " + failureMessage(err)
		return EnvFailed
	}
	queued := r.lock.grant == nil
	if r.lock.byUpdate && queued && r.lock.superseded == nil {
		// Shown queued only when it waits: a free lock goes straight to the deploy.
		r.setState(ctx, i, EnvQueued)
	}
	result, _ := r.await(ctx, 0, func() bool { return r.lock.grant != nil })
	if result == "" && queued && r.trustChecks {
		// The version before may hold the lock for hours (its bake, its
		// checks): past the window, or into a freeze declared meanwhile. The
		// lock is held while they are waited for; every promotion to this
		// environment is bound by the same window and freeze.
		result = r.window(ctx, i)
		if result == "" {
			result = r.freezeGate(ctx, i)
		}
	}
	return result
}
