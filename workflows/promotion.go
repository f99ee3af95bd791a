package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// artifactAvailableChangeID versions ARTIFACT_AVAILABLE for versions
// registered through the API.
const artifactAvailableChangeID = "artifact-available"

// promotionChangesChangeID versions, at once, every change of Promotion
// versioned before it: "notify", signedDecisionsChangeID,
// artifactAvailableChangeID, approversChangeID, approvalsLedgerChangeID and
// freezeChangeID. Each
// GetVersion of a new run costs a marker and an upsert of the
// TemporalChangeVersion search attribute; the freeze gate's came right after
// the approval, on the way to the deploy. Version 1 also checks the freeze
// as a local activity (see freezeGate), so that an accepted approval asks
// for the lock in the workflow task that completed the decision, not one
// activity round trip later. Version 2 asks the environment's lock with
// an update (the AcquireEnvironment local activity) instead of a signal and
// a signal back, so that a free lock is taken in the workflow task that
// passed the last gate (see envLock.acquire). Version 3 closes ways around
// the gates: prevent_self_approval also refuses whoever registered an
// artifact of the version (PromotionInput.RegisteredBy) and the user whose
// name is the forge login of a push's trigger ("github:alice"); an approval
// through the temporal-operator override counts once per gate, for an
// approver named in person (not by a group it claims); and a promotion that
// waited for the lock passes the window and the freeze again before it
// deploys; a decision signed before the run started (for an earlier run of
// the same ID) does not count. Decisions sent as signals are refused in
// workflow code, so a promotion an older worker recorded keeps deciding as
// it did. Later changes get their own IDs, or a new version of this one.
const promotionChangesChangeID = "promotion-changes"

// promotionChangesVersion is the version of promotionChangesChangeID new
// promotions record.
const promotionChangesVersion = 3

// Promotion walks a version through its environments in order: for each, the
// gates (soak of the environment before, schedule window, approval), the
// environment's lock, the deploy and the verifications, with a rollback to
// the previous version when a verification fails. It stops at the first
// environment that does not end deployed (or skipped by its branch filter).
// A stopped promotion returns its state and no error; a cancelled one returns
// a CanceledError whose details hold the state.
func Promotion(ctx workflow.Context, in PromotionInput) (PromotionState, error) {
	r := newPromotionRun(ctx, in)
	// One marker for all of the changes before it (see
	// promotionChangesChangeID); a promotion recorded before it asks for
	// each change in turn, as it did.
	v := workflow.GetVersion(ctx, promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion)
	r.rec.current, r.lock.byUpdate, r.trustChecks = v >= 1, v >= 2, v >= 3
	if err := r.registerHandlers(ctx); err != nil {
		return PromotionState{}, err
	}
	r.listen(ctx)
	r.startNotifier(ctx)
	r.rec.publish(ctx, r.cur)
	r.rec.syncApprovals(ctx)
	r.rec.recordPromotion(ctx)
	count(ctx, MetricPromotionsStarted, "project", in.Project)
	// A version registered through the API (no build of Drover's announced
	// it) is announced by its first promotion. Versioned: promotions
	// recorded before replay without the event.
	if in.BuildID == "" && in.Kind == "" &&
		(r.rec.current || workflow.GetVersion(ctx, artifactAvailableChangeID, workflow.DefaultVersion, 1) == 1) {
		r.rec.emit(EventArtifactAvailable, "", "version "+in.Version+" registered")
	}

	for i := range r.plan.Environments {
		if !r.runEnvironment(ctx, i) {
			break
		}
	}
	return r.finish(ctx)
}

// runEnvironment takes the version through environment i and reports whether
// the promotion may go on to the next one.
func (r *promotionRun) runEnvironment(ctx workflow.Context, i int) bool {
	env := r.plan.Environments[i]
	es := r.rec.env(i)
	if !env.AcceptsBranch(r.in.Branch) {
		es.State = EnvSkipped
		es.Detail = fmt.Sprintf("branch %s is not in %s", r.in.Branch, strings.Join(env.Branches, ", "))
		return true
	}
	r.cur, r.skipBake = i, nil
	r.lock.reset()
	es.StartedAt = timePtr(r.now())
	r.rec.state.Current = env.Name

	result := r.enter(ctx, i)
	if result == "" {
		result = r.passGates(ctx, i)
	}
	if result == "" {
		result = r.freezeGate(ctx, i)
	}
	if result == "" {
		result = r.takeLock(ctx, i)
	}
	if result == "" {
		result = r.deployAndVerify(ctx, i)
	}
	r.leave(ctx, i, result)
	return result == EnvDeployed
}

// leave settles environment i with its result and lets the environment's
// lock go: a release when the promotion held it, a leave otherwise.
func (r *promotionRun) leave(ctx workflow.Context, i int, result string) {
	if ctx.Err() != nil && result != EnvDeployed {
		result = EnvCancelled
	}
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	env, es := r.plan.Environments[i], r.rec.env(i)
	es.State, es.FinishedAt = result, timePtr(r.now())
	if result == EnvSuperseded || result == EnvCancelled {
		for g := range es.Gates {
			if es.Gates[g].State == GatePending && es.Gates[g].WaitingSince != nil {
				es.Gates[g].State = GateWithdrawn
			}
		}
	}
	if result == EnvSuperseded {
		es.Detail = fmt.Sprintf("superseded by %s", r.lock.superseded.By)
		r.rec.emit(EventSuperseded, env.Name, fmt.Sprintf("%s %s superseded by %s", env.Name, r.in.Version, r.lock.superseded.By))
	}
	if result == EnvDeployed && env.Soak > 0 {
		until := r.now().Add(env.Soak)
		r.soakUntil, r.soakFrom = &until, env.Name
	}

	r.lock.letGo(ctx, env.Name, contracts.LockRelease{PromotionID: r.rec.state.ID, Version: r.in.Version, Result: result})
	r.rec.publish(ctx, r.cur)
	r.rec.syncApprovals(ctx)
}

// finish settles the promotion's status, records it and returns the workflow's result.
func (r *promotionRun) finish(ctx workflow.Context) (PromotionState, error) {
	cancelled := ctx.Err() != nil
	ctx, _ = workflow.NewDisconnectedContext(ctx)

	r.rec.state.Status, r.rec.state.Current = PromotionCompleted, ""
	msg := "completed"
	for _, es := range r.rec.state.Environments {
		if es.State != EnvDeployed && es.State != EnvSkipped {
			r.rec.state.Status = PromotionStopped
			msg = fmt.Sprintf("stopped: %s %s", es.Name, es.State)
			break
		}
	}
	if cancelled {
		r.rec.state.Status, msg = PromotionCancelled, "cancelled"
	}
	r.rec.state.FinishedAt = timePtr(r.now())
	count(ctx, MetricPromotionsFinished, "project", r.in.Project, "result", string(r.rec.state.Status))
	r.rec.emit(EventPromotionComplete, "", msg)
	r.rec.publish(ctx, r.cur)
	r.rec.syncApprovals(ctx)
	// Let accepted decisions finish writing to the ledger.
	_ = workflow.Await(ctx, func() bool { return r.rec.writes == 0 && workflow.AllHandlersFinished(ctx) })
	r.rec.notify.drain(ctx)
	r.rec.recordPromotion(ctx)
	if cancelled {
		return r.rec.state, temporal.NewCanceledError(r.rec.state)
	}
	return r.rec.state, nil
}
