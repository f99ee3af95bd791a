package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
)

// Deploy deploys in.Version to in.Environment with the action of the
// deploy's kind, logging into the log store (DeployResult.LogKey). A rollback
// without artifacts deploys the version's recorded artifacts and commit. An
// unknown kind, or a deploy that ran and failed, is a non-retryable
// DeployFailed error; a webhook deploy returns activity.ErrResultPending and
// completes when the deployer calls back.
func (a *PromotionActivities) Deploy(ctx context.Context, in DeployInput) (DeployResult, error) {
	kind := in.Deploy.Kind()
	actions := a.Actions
	if actions == nil {
		actions = a.builtinActions()
	}
	action, ok := actions[kind]
	if !ok {
		if kind == "" {
			kind = "(none)"
		}
		return DeployResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("deploy kind %s is not available on this worker", kind), ErrTypeDeployFailed, nil)
	}
	if in.Rollback && len(in.Artifacts) == 0 {
		var err error
		if in, err = a.withRecordedVersion(ctx, in); err != nil {
			return DeployResult{}, err
		}
	}
	key := deployLogKey(ctx, in)
	log, err := a.Tasks.Logs.Writer(key)
	if err != nil {
		return DeployResult{}, fmt.Errorf("%s: %w", deployWhat(in), err)
	}
	defer func() {
		if err := log.Close(); err != nil {
			a.logger().Warn("Close deploy log failed.", "error", err, "log_key", key)
		}
	}()
	res, err := action.Deploy(ctx, in, log)
	if err != nil {
		return res, err
	}
	res.LogKey = key
	return res, nil
}

// withRecordedVersion fills in's artifacts and commit from the ledger's
// record of in.Version: a rollback redeploys what that version was.
func (a *PromotionActivities) withRecordedVersion(ctx context.Context, in DeployInput) (DeployInput, error) {
	if a.Versions == nil {
		return in, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s: no artifact versions on this worker to look the version up", deployWhat(in)), ErrTypeDeployFailed, nil)
	}
	v, err := a.Versions.GetArtifactVersion(ctx, in.Project, in.Version)
	if errors.Is(err, ledger.ErrNotFound) {
		return in, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s: version %s of %s is not recorded", deployWhat(in), in.Version, in.Project), ErrTypeDeployFailed, nil)
	}
	if err != nil {
		return in, fmt.Errorf("%s: look up version: %w", deployWhat(in), err)
	}
	in.Artifacts = artifactRefs(v.Artifacts)
	if v.Commit != "" {
		in.Commit = v.Commit
	}
	return in, nil
}

// deployLogKey is the log of a deploy (or rollback) of a promotion run in an environment.
func deployLogKey(ctx context.Context, in DeployInput) string {
	step := "deploy"
	if in.Rollback {
		step = "deploy-rollback"
	}
	return logstore.PromotionKey(in.PromotionID, runIDOr(ctx, in.RunID), in.Environment, step)
}

// deployWhat names a deploy in messages.
func deployWhat(in DeployInput) string {
	if in.Rollback {
		return fmt.Sprintf("roll %s in %s back to %s", in.Project, in.Environment, in.Version)
	}
	return fmt.Sprintf("deploy %s %s to %s", in.Project, in.Version, in.Environment)
}

// promotionStepEnv is the DROVER_ environment every script of a promotion
// step (deploy, task check) gets.
func promotionStepEnv(project, version, environment, commit, promotionID, runID string) []string {
	return []string{
		"DROVER_PROJECT=" + project,
		"DROVER_VERSION=" + version,
		"DROVER_ENVIRONMENT=" + environment,
		"DROVER_COMMIT=" + commit,
		"DROVER_PROMOTION_ID=" + promotionID,
		"DROVER_RUN_ID=" + runID,
	}
}

// deployEnv is the DROVER_ environment of a deploy script, then in.Env in
// name order.
func deployEnv(in DeployInput) []string {
	env := promotionStepEnv(in.Project, in.Version, in.Environment, in.Commit, in.PromotionID, in.RunID)
	if in.Rollback {
		env = append(env, "DROVER_ROLLBACK=1")
	}
	names := make([]string, 0, len(in.Env))
	for name := range in.Env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		env = append(env, name+"="+in.Env[name])
	}
	return env
}
