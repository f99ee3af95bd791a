package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// AcquireAtOnceTimeout is how long a promotion's workflow task waits for
// the environment's answer to its lock request before it asks again with an
// activity (see envLock.acquire).
const AcquireAtOnceTimeout = time.Second

// envLock is a promotion's side of the lock protocol with the Environment
// workflow of the environment it is in (see environment_lock.go): enter,
// acquire, then release (or leave, when it never held the lock); the
// Environment workflow answers with a grant or a supersession, which the
// promotion's signal listeners set here.
type envLock struct {
	project string
	// request is how the promotion identifies itself to the current environment.
	request contracts.LockRequest
	// grant and superseded are set by signals for the current environment.
	grant      *contracts.LockGrant
	superseded *contracts.Superseded
	// byUpdate: the promotion asks for the lock with contracts.UpdateAcquire
	// (promotion-changes version 2), not SignalAcquire.
	byUpdate bool
}

// reset forgets the environment before: the promotion moves to the next one.
func (l *envLock) reset() {
	l.grant, l.superseded = nil, nil
}

// enter registers the promotion at env's lock with req (starting the
// Environment workflow when needed), so that under supersede a newer
// version can replace it while it waits at the gates.
func (l *envLock) enter(ctx workflow.Context, env string, req contracts.LockRequest) error {
	l.request = req
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second, MaximumAttempts: 10},
	})
	return workflow.ExecuteActivity(actx, activityEnterEnvironment, contracts.EnterEnvironmentInput{
		Project: l.project, Environment: env, Request: req,
	}).Get(ctx, nil)
}

// acquire asks env's lock for the promotion's turn. By signal, the grant
// comes as a signal. By update (contracts.UpdateAcquire), the answer comes
// back: a grant or a supersession is set here, and a queued promotion waits
// for the grant's signal as before. The update is first sent by a local
// activity with a short budget, so that a free lock is taken in the
// workflow task that passed the last gate; an environment that does not
// answer within it (its worker busy or restarting) is asked again by an
// activity, retried until it answers, so that the workflow task (and the
// approval it may be completing) is not held up. Both send the same update
// ID: the environment answers a request it took once already the same way.
func (l *envLock) acquire(ctx workflow.Context, env string) error {
	if !l.byUpdate {
		return workflow.SignalExternalWorkflow(ctx, contracts.EnvironmentID(l.project, env), "", contracts.SignalAcquire, l.request).Get(ctx, nil)
	}
	in := contracts.AcquireEnvironmentInput{Project: l.project, Environment: env, Request: l.request}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: AcquireAtOnceTimeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var ans contracts.LockAnswer
	err := workflow.ExecuteLocalActivity(lctx, activityAcquireEnvironment, in).Get(ctx, &ans)
	var appErr *temporal.ApplicationError
	if err != nil && ctx.Err() == nil && !(errors.As(err, &appErr) && appErr.NonRetryable()) {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
		})
		err = workflow.ExecuteActivity(actx, activityAcquireEnvironment, in).Get(ctx, &ans)
	}
	if err != nil {
		return err
	}
	switch {
	case ans.Grant != nil && l.superseded == nil:
		l.grant = ans.Grant
	case ans.Superseded != nil && l.grant == nil:
		l.superseded = ans.Superseded
	}
	return nil
}

// letGo tells env's lock the promotion is done there: a release when it held
// the lock, a leave otherwise. A lock that cannot be told is logged.
func (l *envLock) letGo(ctx workflow.Context, env string, rel contracts.LockRelease) {
	signal := contracts.SignalLeave
	if l.grant != nil {
		signal = contracts.SignalRelease
	}
	if err := workflow.SignalExternalWorkflow(ctx, contracts.EnvironmentID(l.project, env), "", signal, rel).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("Environment lock not released", "environment", env, "signal", signal, "error", err)
	}
}
