package activities

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// CheckTask runs a verification script like a build task: in a fresh
// workspace, with a checkout of the commit when in.Repository is set and the
// version's artifacts in $DROVER_ARTIFACTS_DIR, bounded by the check's timeout
// (pipeline.DefaultTaskTimeout when unset). Its log is under
// CheckResult.LogKey. A non-zero exit or a timeout is a non-retryable
// CheckFailed error whose details are a CheckResult with the output's tail.
func (a *PromotionActivities) CheckTask(ctx context.Context, in TaskCheckInput) (CheckResult, error) {
	timeout := time.Duration(in.Check.Timeout)
	if timeout <= 0 {
		timeout = pipeline.DefaultTaskTimeout
	}
	key := logstore.PromotionKey(in.PromotionID, runIDOr(ctx, in.RunID), in.Environment, "verify-"+strconv.Itoa(in.Index))
	what := fmt.Sprintf("verify %s %s in %s (check %d)", in.Project, in.Version, in.Environment, in.Index)
	log, err := a.Tasks.Logs.Writer(key)
	if err != nil {
		return CheckResult{}, fmt.Errorf("%s: %w", what, err)
	}
	defer func() {
		if err := log.Close(); err != nil {
			a.logger().Warn("Close check log failed.", "error", err, "log_key", key)
		}
	}()
	repository := in.Repository
	if in.Check.Registered {
		// A check the registration requires runs without the version's
		// files: their author would decide what it does.
		repository = ""
		log.Printf("=== a required check of the registration: no checkout of %s ===", in.Commit)
	}
	s := stepScript{
		What:       what,
		ErrType:    ErrTypeCheckFailed,
		Script:     in.Check.Run,
		Repository: repository,
		Commit:     in.Commit,
		Artifacts:  in.Artifacts,
		Env: append(promotionStepEnv(in.Project, in.Version, in.Environment, in.Commit, in.PromotionID, in.RunID),
			"DROVER_CHECK_INDEX="+strconv.Itoa(in.Index)),
		Timeout:        timeout,
		Kind:           "check",
		Project:        in.Project,
		Environment:    in.Environment,
		Secrets:        in.Check.Secrets,
		SecretsAllowed: in.SecretsAllowed,
	}
	proc, _, err := a.runStepScript(ctx, s, log, log)
	if err != nil {
		return CheckResult{LogKey: key}, err
	}
	if err := scriptFailure(s, proc, log, CheckResult{Detail: log.Tail(), Attempts: 1, LogKey: key}); err != nil {
		return CheckResult{LogKey: key}, err
	}
	return CheckResult{Detail: "script exited with code 0", Attempts: 1, LogKey: key}, nil
}
