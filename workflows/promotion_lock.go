package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

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

// acquire asks env's lock for the promotion's turn; a grant comes as a signal.
func (l *envLock) acquire(ctx workflow.Context, env string) error {
	return workflow.SignalExternalWorkflow(ctx, contracts.EnvironmentID(l.project, env), "", contracts.SignalAcquire, l.request).Get(ctx, nil)
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
