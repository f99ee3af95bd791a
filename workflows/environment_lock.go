package workflows

import (
	"slices"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// environmentLock is the Environment workflow's state and its rules. A
// request is older than another when its At (the start of its promotion) is
// earlier: under supersede the newest version wins, however fast the older
// ones went through the environments before.
type environmentLock struct {
	state EnvironmentLockState
}

// arrive notes a promotion that entered the environment and now waits at its gates.
func (e *environmentLock) arrive(ctx workflow.Context, req contracts.LockRequest) {
	e.setPolicy(req)
	if e.isHolder(req.PromotionID) || slices.ContainsFunc(e.state.Queue, sameRun(req)) {
		return // a redelivered or late arrival
	}
	e.remove(req.PromotionID)
	if e.supersedeIfOutdated(ctx, req) {
		return
	}
	e.supersedeOlder(ctx, req)
	e.state.Arrived = append(e.state.Arrived, req)
}

// acquire moves a promotion whose gates have passed into the queue (its
// SignalAcquire), or tells it it was superseded.
func (e *environmentLock) acquire(ctx workflow.Context, req contracts.LockRequest) {
	if by := e.enqueue(ctx, req); by != "" {
		e.supersede(ctx, req, by)
	}
}

// enqueue moves a promotion whose gates have passed from the arrived into
// the queue, superseding older ones under supersede, unless it holds the
// lock or waits in the queue already. When a newer version makes it
// outdated it is not queued, and enqueue returns that version.
func (e *environmentLock) enqueue(ctx workflow.Context, req contracts.LockRequest) (outdatedBy string) {
	e.setPolicy(req)
	if e.isHolder(req.PromotionID) || slices.ContainsFunc(e.state.Queue, samePromotion(req.PromotionID)) {
		return ""
	}
	e.state.Arrived = slices.DeleteFunc(e.state.Arrived, samePromotion(req.PromotionID))
	if by := e.outdatedBy(req); by != "" {
		return by
	}
	e.supersedeOlder(ctx, req)
	e.state.Queue = append(e.state.Queue, req)
	return ""
}

// release ends a promotion's hold of the lock, or its wait when it leaves
// without deploying. A deployed result makes its version the current one. A
// promotion the environment already let go of (superseded) changes nothing.
func (e *environmentLock) release(rel contracts.LockRelease) {
	switch {
	case e.isHolder(rel.PromotionID):
		if rel.Result == EnvDeployed {
			e.state.Current, e.state.CurrentAt = e.state.Holder.Version, e.state.Holder.At
		}
		e.state.Holder = nil
	case slices.ContainsFunc(e.waiting(), samePromotion(rel.PromotionID)):
		e.remove(rel.PromotionID)
	default:
		return
	}
	if rel.Result != "" {
		e.remember(rel.Version + " " + rel.Result)
	}
}

// remember keeps a result in Recent, which holds the latest RecentResults.
func (e *environmentLock) remember(result string) {
	e.state.Recent = append(e.state.Recent, result)
	if n := len(e.state.Recent); n > RecentResults {
		e.state.Recent = slices.Clone(e.state.Recent[n-RecentResults:])
	}
}

// grantNext gives a free lock to the first promotion in the queue.
func (e *environmentLock) grantNext(ctx workflow.Context) {
	for e.state.Holder == nil && len(e.state.Queue) > 0 {
		next := e.state.Queue[0]
		e.state.Queue = slices.Delete(e.state.Queue, 0, 1)
		if e.supersedeIfOutdated(ctx, next) {
			continue
		}
		e.state.Holder = &next
		err := workflow.SignalExternalWorkflow(ctx, next.PromotionID, runOf(next), contracts.SignalLockGranted, *e.grant()).Get(ctx, nil)
		if err != nil {
			// The promotion is gone (terminated, or its retention passed): it
			// will never release the lock.
			workflow.GetLogger(ctx).Warn("Lock grant not delivered", "promotion_id", next.PromotionID, "error", err)
			e.state.Holder = nil
			e.remember(next.Version + " lost")
		}
	}
}

// acquireNow answers a promotion's UpdateAcquire: the lock at once when it
// is free and no one waits before, its place in the queue otherwise (a
// SignalLockGranted follows, as after SignalAcquire), or that a newer
// version superseded it. A request the lock took already gets the same
// answer again: a retried update after a continue-as-new is not a new one.
func (e *environmentLock) acquireNow(ctx workflow.Context, req contracts.LockRequest) contracts.LockAnswer {
	if by := e.enqueue(ctx, req); by != "" {
		e.remember(req.Version + " " + EnvSuperseded)
		return contracts.LockAnswer{Superseded: &contracts.Superseded{Environment: e.state.Environment, By: by}}
	}
	if e.state.Holder == nil && len(e.state.Queue) > 0 && e.state.Queue[0].PromotionID == req.PromotionID {
		// The lock is free and no one waits before it: taken at once.
		next := e.state.Queue[0]
		e.state.Holder = &next
		e.state.Queue = slices.Delete(e.state.Queue, 0, 1)
		e.confirmGrant(ctx, next)
	}
	if e.isHolder(req.PromotionID) {
		return contracts.LockAnswer{Grant: e.grant()}
	}
	// Behind the holder; should the lock be free with a queue left (it is
	// not, after each signal), grantNext hands it on by signal.
	e.grantNext(ctx)
	return contracts.LockAnswer{Queued: true}
}

// confirmGrant also signals the grant answered to holder's update, without
// waiting for it: the answer reaches a promotion that is running, but an
// update retried for a promotion that has ended meanwhile (terminated,
// cancelled) would otherwise leave the lock held by no one alive. When the
// signal finds no such run, the lock is handed on as grantNext does. The
// running promotion ignores the signal: it holds the grant already.
func (e *environmentLock) confirmGrant(ctx workflow.Context, holder contracts.LockRequest) {
	f := workflow.SignalExternalWorkflow(ctx, holder.PromotionID, runOf(holder), contracts.SignalLockGranted, *e.grant())
	workflow.Go(ctx, func(ctx workflow.Context) {
		if err := f.Get(ctx, nil); err == nil || !e.isHolder(holder.PromotionID) || e.state.Holder.RunID != holder.RunID {
			return
		}
		workflow.GetLogger(ctx).Warn("Lock grant not delivered", "promotion_id", holder.PromotionID)
		e.state.Holder = nil
		e.remember(holder.Version + " lost")
		e.grantNext(ctx)
	})
}

// grant is what the holder is told: the environment and its current version.
func (e *environmentLock) grant() *contracts.LockGrant {
	return &contracts.LockGrant{Environment: e.state.Environment, Previous: e.state.Current}
}

// supersedeIfOutdated tells req it was superseded when, under supersede, a
// newer version holds, waits for or was deployed in the environment.
func (e *environmentLock) supersedeIfOutdated(ctx workflow.Context, req contracts.LockRequest) bool {
	by := e.outdatedBy(req)
	if by == "" {
		return false
	}
	e.supersede(ctx, req, by)
	return true
}

// outdatedBy is the newer version that, under supersede, holds, waits for or
// was deployed in the environment, making req outdated; "" when none.
func (e *environmentLock) outdatedBy(req contracts.LockRequest) string {
	if e.state.Policy != pipeline.PolicySupersede {
		return ""
	}
	by := ""
	if e.state.CurrentAt.After(req.At) {
		by = e.state.Current
	}
	for _, other := range e.waiting() {
		if other.At.After(req.At) {
			by = other.Version
		}
	}
	return by
}

// supersedeOlder removes every waiting request not newer than req and tells
// each it was superseded by req's version.
func (e *environmentLock) supersedeOlder(ctx workflow.Context, req contracts.LockRequest) {
	if e.state.Policy != pipeline.PolicySupersede {
		return
	}
	notNewer := func(o contracts.LockRequest) bool { return !o.At.After(req.At) }
	var older []contracts.LockRequest
	for _, o := range append(slices.Clone(e.state.Arrived), e.state.Queue...) {
		if notNewer(o) {
			older = append(older, o)
		}
	}
	e.state.Arrived = slices.DeleteFunc(e.state.Arrived, notNewer)
	e.state.Queue = slices.DeleteFunc(e.state.Queue, notNewer)
	for _, o := range older {
		e.supersede(ctx, o, req.Version)
	}
}

func (e *environmentLock) supersede(ctx workflow.Context, req contracts.LockRequest, by string) {
	e.remember(req.Version + " " + EnvSuperseded)
	msg := contracts.Superseded{Environment: e.state.Environment, By: by}
	if err := workflow.SignalExternalWorkflow(ctx, req.PromotionID, runOf(req), contracts.SignalSuperseded, msg).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("Supersession not delivered", "promotion_id", req.PromotionID, "error", err)
	}
}

// waiting is the holder and every request waiting, in no particular order.
func (e *environmentLock) waiting() []contracts.LockRequest {
	all := append(slices.Clone(e.state.Arrived), e.state.Queue...)
	if e.state.Holder != nil {
		all = append(all, *e.state.Holder)
	}
	return all
}

func (e *environmentLock) setPolicy(req contracts.LockRequest) {
	if req.Policy != "" {
		e.state.Policy = req.Policy
	}
}

func (e *environmentLock) isHolder(promotionID string) bool {
	return e.state.Holder != nil && e.state.Holder.PromotionID == promotionID
}

func (e *environmentLock) remove(promotionID string) {
	e.state.Arrived = slices.DeleteFunc(e.state.Arrived, samePromotion(promotionID))
	e.state.Queue = slices.DeleteFunc(e.state.Queue, samePromotion(promotionID))
}

// runOf is the run a request came from, or "" (the latest run) when its run
// ID is malformed: Temporal rejects such a signal command, which would fail
// the environment's workflow tasks until someone intervened.
func runOf(req contracts.LockRequest) string {
	if uuid.Validate(req.RunID) != nil {
		return ""
	}
	return req.RunID
}

// sameRun matches the requests of req's run of its promotion.
func sameRun(req contracts.LockRequest) func(contracts.LockRequest) bool {
	return func(r contracts.LockRequest) bool { return r.PromotionID == req.PromotionID && r.RunID == req.RunID }
}

func samePromotion(id string) func(contracts.LockRequest) bool {
	return func(r contracts.LockRequest) bool { return r.PromotionID == id }
}
