package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// verify runs environment i's checks in order. It returns "" when all
// passed, EnvCancelled, or EnvFailed with the environment's Detail saying why.
func (r *promotionRun) verify(ctx workflow.Context, i int) string {
	env, es := r.plan.Environments[i], r.rec.env(i)
	if len(env.Verify) == 0 {
		return ""
	}
	r.setState(ctx, i, EnvVerifying)
	for vi, check := range env.Verify {
		es.Verify = append(es.Verify, StepState{Kind: check.Kind(), State: StepRunning,
			StartedAt: timePtr(r.now()), Detail: checkText(check), From: check.From})
		r.rec.publish(ctx, r.cur)
		r.rec.syncApprovals(ctx)
		res, skipped, err := r.runCheck(ctx, i, vi, check)
		st := &es.Verify[vi]
		st.FinishedAt = timePtr(r.now())
		switch {
		case err != nil:
			st.State, st.Error = StepFailed, failureMessage(err)
			if ctx.Err() != nil {
				return EnvCancelled
			}
			es.Detail = fmt.Sprintf("%s check failed: %s", check.Kind(), st.Error)
			return EnvFailed
		case skipped:
			st.State = StepSkipped
		default:
			st.State = StepSucceeded
			if res.Detail != "" {
				st.Detail = res.Detail
			}
		}
	}
	return ""
}

// runCheck runs check vi of environment i; skipped is true for a bake ended early.
func (r *promotionRun) runCheck(ctx workflow.Context, i, vi int, check pipeline.Verify) (res contracts.CheckResult, skipped bool, err error) {
	env := r.plan.Environments[i]
	opts := workflow.ActivityOptions{
		ActivityID:          fmt.Sprintf("verify/%s/%d", env.Name, vi),
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
			MaximumAttempts: checkAttempts, NonRetryableErrorTypes: []string{contracts.ErrTypeCheckFailed},
		},
	}
	var name string
	var in any
	switch check.Kind() {
	case pipeline.VerifyHTTP:
		c := *check.HTTP
		// The activity polls until Within itself; the margin covers its last request.
		opts.StartToCloseTimeout = c.Within.Std() + c.Timeout.Std() + time.Minute
		name, in = activityCheckHTTP, contracts.HTTPCheckInput{PromotionID: r.rec.state.ID, Environment: env.Name, Version: r.in.Version, Check: c}
	case pipeline.VerifyTask:
		timeout := check.Task.Timeout.Std()
		opts.StartToCloseTimeout, opts.HeartbeatTimeout = timeout+10*time.Minute, DefaultHeartbeatTimeout
		name, in = activityCheckTask, contracts.TaskCheckInput{
			PromotionID: r.rec.state.ID, RunID: r.rec.state.RunID, Project: r.in.Project, Environment: env.Name,
			Version: r.in.Version, Commit: r.in.Commit, Repository: r.in.Repository, Index: vi,
			Check: *check.Task, Artifacts: r.in.Artifacts, SecretsAllowed: r.in.SecretsAllowed,
		}
	case pipeline.VerifyExternal:
		// An outside verifier completes it; no report in time fails the check.
		timeout := check.External.Timeout.Std()
		opts.StartToCloseTimeout, opts.ScheduleToCloseTimeout = timeout, timeout
		name, in = activityWaitExternal, contracts.ExternalCheckInput{PromotionID: r.rec.state.ID, RunID: r.rec.state.RunID,
			Environment: env.Name, Version: r.in.Version, Check: *check.External, Index: vi}
	case pipeline.VerifyJenkins, pipeline.VerifyGitHub, pipeline.VerifyGitLab:
		// Kinds newer than every recorded history: no version needed. The
		// plan set their timeouts.
		var timeout time.Duration
		name, in, timeout = r.ciJobCheck(env.Name, vi, check)
		opts.StartToCloseTimeout, opts.HeartbeatTimeout = timeout+10*time.Minute, DefaultHeartbeatTimeout
	case pipeline.VerifyBake:
		skipped, err = r.bake(ctx, i, vi, check.Bake.Std())
		return res, skipped, err
	default:
		return res, false, errors.New("unknown kind of check")
	}
	err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), name, in).Get(ctx, &res)
	return res, false, err
}

// bake waits durably for d, unless a SkipBakeUpdate ends it early.
func (r *promotionRun) bake(ctx workflow.Context, i, vi int, d time.Duration) (bool, error) {
	st := &r.rec.env(i).Verify[vi]
	st.Deadline = timePtr(r.now().Add(d))
	r.skipBake, r.baking = nil, true
	defer func() { r.baking = false }()
	r.rec.publish(ctx, r.cur)
	r.rec.syncApprovals(ctx)
	skipped, err := workflow.AwaitWithTimeout(ctx, d, func() bool { return r.skipBake != nil })
	if err != nil {
		return false, err
	}
	if skipped {
		s := r.skipBake
		st.Detail = withComment("skipped by "+s.Actor, s.Reason)
		r.rec.emit(EventBakeSkipped, s.Environment, withComment(fmt.Sprintf("%s ended the bake of %s early", s.Actor, s.Environment), s.Reason))
	}
	return skipped, nil
}

// checkText is a short description of a check.
func checkText(v pipeline.Verify) string {
	switch v.Kind() {
	case pipeline.VerifyHTTP:
		c := v.HTTP.WithDefaults()
		target := c.URL
		switch {
		case c.URL != "":
		case c.DNS != nil:
			target = "every address of " + c.DNS.URL(c.DNS.Name)
		case c.URLs != nil:
			target = strings.Join(c.URLs, ", ")
		}
		if c.MinPassing > 0 && c.URL == "" {
			target = fmt.Sprintf("%s (%d passing)", target, c.MinPassing)
		}
		return fmt.Sprintf("%s %s → %d within %s", c.Method, target, c.Status, c.Within)
	case pipeline.VerifyTask:
		return v.Task.Run
	case pipeline.VerifyExternal:
		return v.External.Name
	case pipeline.VerifyJenkins:
		return "jenkins " + strings.Join(v.Jenkins.Jobs, ", ")
	case pipeline.VerifyGitLab:
		return "gitlab " + strings.Join(v.GitLab.Projects, ", ")
	case pipeline.VerifyGitHub:
		return "github " + v.GitHub.Repository + " " + strings.Join(v.GitHub.Workflows, ", ")
	case pipeline.VerifyBake:
		return "bake " + v.Bake.String()
	}
	return ""
}

// ciJobCheck is the activity, input and timeout of a CI-job check (jenkins,
// github_actions, gitlab) of environment env at index vi.
func (r *promotionRun) ciJobCheck(env string, vi int, check pipeline.Verify) (string, any, time.Duration) {
	run := contracts.CIJobCheckRun{PromotionID: r.rec.state.ID, RunID: r.rec.state.RunID, Project: r.in.Project,
		Environment: env, Version: r.in.Version, Commit: r.in.Commit, Index: vi, SecretsAllowed: r.in.SecretsAllowed}
	switch check.Kind() {
	case pipeline.VerifyJenkins:
		return activityCheckJenkins, contracts.JenkinsCheckInput{CIJobCheckRun: run, Check: *check.Jenkins}, check.Jenkins.Timeout.Std()
	case pipeline.VerifyGitHub:
		return activityCheckGitHub, contracts.GitHubCheckInput{CIJobCheckRun: run, Check: *check.GitHub}, check.GitHub.Timeout.Std()
	}
	return activityCheckGitLab, contracts.GitLabCheckInput{CIJobCheckRun: run, Check: *check.GitLab}, check.GitLab.Timeout.Std()
}
