package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// Bounds of deploys that set no timeout of their own.
const (
	DefaultDeployTimeout   = pipeline.DefaultDeployTimeout
	DefaultExternalTimeout = pipeline.DefaultExternalTimeout
	deployAttempts         = 5
	checkAttempts          = 3
)

// deployAndVerify deploys the version to environment i, whose lock the
// promotion holds, verifies it and rolls back when verification fails.
func (r *promotionRun) deployAndVerify(ctx workflow.Context, i int) string {
	env, es := r.plan.Environments[i], r.rec.env(i)
	previous := r.lock.grant.Previous
	started := r.now()
	es.Deploy = &StepState{Kind: StepDeploy, State: StepRunning, StartedAt: &started, Detail: env.Deploy.Kind()}
	r.rec.emit(EventDeployStarted, env.Name, fmt.Sprintf("%s %s to %s", r.in.Project, r.in.Version, env.Name))
	r.setState(ctx, i, EnvDeploying)
	dep := ledger.Deployment{Version: r.in.Version, Result: ledger.ResultDeploying, PreviousVersion: previous, StartedAt: started}
	r.rec.recordDeployment(ctx, i, dep)

	res, err := r.runDeploy(ctx, i, r.in.Version, r.in.Artifacts, false)
	es.Deploy.FinishedAt = timePtr(r.now())
	dep.FinishedAt = es.Deploy.FinishedAt
	if err != nil {
		es.Deploy.State, es.Deploy.Error = StepFailed, failureMessage(err)
		dep.Result = EnvFailed
		if ctx.Err() != nil {
			dep.Result = EnvCancelled
		} else {
			es.Detail = "deploy failed: " + es.Deploy.Error
			r.rec.emit(EventDeployFailed, env.Name, es.Deploy.Error)
		}
		r.rec.recordDeployment(ctx, i, dep)
		count(ctx, MetricDeploys, "project", r.in.Project, "environment", env.Name, "result", dep.Result)
		return dep.Result
	}
	es.Deploy.State, es.Deploy.Outputs = StepSucceeded, res.Outputs
	if res.Detail != "" {
		es.Deploy.Detail = res.Detail
	}
	dep.Outputs = res.Outputs
	r.rec.emit(EventDeployCompleted, env.Name, fmt.Sprintf("%s %s deployed to %s", r.in.Project, r.in.Version, env.Name))

	switch r.verify(ctx, i) {
	case "":
		if len(env.Verify) > 0 {
			r.rec.emit(EventVerificationCompleted, env.Name, fmt.Sprintf("%s %s verified in %s", r.in.Project, r.in.Version, env.Name))
		}
		dep.Result = EnvDeployed
	case EnvCancelled:
		dep.Result = EnvCancelled
	default:
		r.rec.emit(EventVerificationFailed, env.Name, es.Detail)
		dep.Result = EnvFailed
		if env.Rollback != pipeline.RollbackManual && previous != "" {
			dep.Result = r.rollback(ctx, i, previous)
		}
	}
	dep.FinishedAt = timePtr(r.now())
	r.rec.recordDeployment(ctx, i, dep)
	count(ctx, MetricDeploys, "project", r.in.Project, "environment", env.Name, "result", dep.Result)
	return dep.Result
}

// rollback redeploys the previous version of environment i after a failed
// verification; it returns the environment's result.
func (r *promotionRun) rollback(ctx workflow.Context, i int, previous string) string {
	env, es := r.plan.Environments[i], r.rec.env(i)
	started := r.now()
	es.Rollback = &StepState{Kind: StepRollback, State: StepRunning, StartedAt: &started, Detail: "redeploy " + previous}
	r.setState(ctx, i, EnvRollingBack)
	count(ctx, MetricRollbacks, "project", r.in.Project, "environment", env.Name)
	rb := ledger.Deployment{Version: previous, Rollback: true, Result: ledger.ResultDeploying, PreviousVersion: r.in.Version, StartedAt: started}
	r.rec.recordDeployment(ctx, i, rb)

	// The rollback has to finish even when the promotion is cancelled meanwhile.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	res, err := r.runDeploy(dctx, i, previous, nil, true)
	es.Rollback.FinishedAt = timePtr(r.now())
	rb.FinishedAt = es.Rollback.FinishedAt
	if err != nil {
		es.Rollback.State, es.Rollback.Error = StepFailed, failureMessage(err)
		es.Detail += "; rollback to " + previous + " failed: " + es.Rollback.Error
		rb.Result = EnvFailed
		r.rec.recordDeployment(ctx, i, rb)
		return EnvFailed
	}
	es.Rollback.State, es.Rollback.Outputs = StepSucceeded, res.Outputs
	rb.Result, rb.Outputs = ledger.ResultDeployed, res.Outputs
	r.rec.recordDeployment(ctx, i, rb)
	r.rec.emit(EventRolledBack, env.Name, fmt.Sprintf("%s rolled back to %s", env.Name, previous))
	return EnvRolledBack
}

// runDeploy runs the Deploy activity for environment i.
func (r *promotionRun) runDeploy(ctx workflow.Context, i int, version string, artifacts []contracts.ArtifactRef, rollback bool) (contracts.DeployResult, error) {
	env := r.plan.Environments[i]
	opts := workflow.ActivityOptions{
		ActivityID:          fmt.Sprintf("deploy/%s/%s", env.Name, version),
		StartToCloseTimeout: DefaultDeployTimeout,
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
			MaximumAttempts: deployAttempts, NonRetryableErrorTypes: []string{contracts.ErrTypeDeployFailed},
		},
	}
	if rollback {
		opts.ActivityID += "/rollback"
	}
	switch env.Deploy.Kind() {
	case pipeline.DeployWebhook:
		// An external deployer completes it: it cannot heartbeat, and a retry
		// after the timeout would only wait again.
		timeout := env.Deploy.Webhook.Timeout.Std()
		opts.StartToCloseTimeout, opts.ScheduleToCloseTimeout = timeout, timeout
	case pipeline.DeployShell, pipeline.DeployCloudFormation, pipeline.DeployS3:
		// These heartbeat while they run, so a dead worker is noticed in
		// seconds, not at the one-hour timeout; a retried CloudFormation
		// deploy picks up its change set where it was.
		opts.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	in := contracts.DeployInput{
		PromotionID: r.rec.state.ID, RunID: r.rec.state.RunID, Project: r.in.Project, Environment: env.Name,
		Version: version, Commit: r.in.Commit, Repository: r.in.Repository,
		Deploy: env.Deploy, Artifacts: artifacts, Rollback: rollback,
		SecretsAllowed: r.in.SecretsAllowed,
	}
	if rollback {
		// The previous version's commit and artifacts are not this one's: the
		// activity looks them up.
		in.Commit = ""
	}
	var res contracts.DeployResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activityDeploy, in).Get(ctx, &res)
	return res, err
}
