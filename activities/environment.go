package activities

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
)

// EnterEnvironment registers a promotion at an environment: it signals
// SignalArrive with in.Request to the environment's Environment workflow,
// starting that workflow if it is not running. Errors are retryable.
func (a *PromotionActivities) EnterEnvironment(ctx context.Context, in EnterEnvironmentInput) error {
	id := contracts.EnvironmentID(in.Project, in.Environment)
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                a.taskQueue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("Environment %s of %s", in.Environment, in.Project),
	}
	start := contracts.EnvironmentInput{Project: in.Project, Environment: in.Environment}
	if _, err := a.Temporal.SignalWithStartWorkflow(ctx, id, contracts.SignalArrive, in.Request, opts, contracts.EnvironmentWorkflowName, start); err != nil {
		return fmt.Errorf("enter environment %s with %s: %w", id, in.Request.PromotionID, err)
	}
	a.logger().Debug("Entered environment.", "environment_id", id, "promotion_id", in.Request.PromotionID)
	return nil
}

// ErrTypeLockRefused is the type of AcquireEnvironment's non-retryable
// errors: the Environment workflow is gone or refused the request as
// malformed (contracts.ErrTypeBadLockRequest).
const ErrTypeLockRefused = "LockRefused"

// AcquireEnvironment asks an environment's lock for a promotion's turn with
// contracts.UpdateAcquire and returns the Environment workflow's answer. The
// update's ID names the promotion's run and the environment, so a retry of
// this activity after a lost answer is the same request (and the workflow
// answers a request it already took as it did the first time). A workflow
// that is not running, or whose validator refuses the request, fails it for
// good; everything else is retryable, including a refusal by a worker older
// than the update's handler (an unknown update, during a rolling upgrade),
// which a newer worker will answer.
func (a *PromotionActivities) AcquireEnvironment(ctx context.Context, in AcquireEnvironmentInput) (LockAnswer, error) {
	id := contracts.EnvironmentID(in.Project, in.Environment)
	handle, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateID:     fmt.Sprintf("acquire/%s/%s/%s", in.Request.PromotionID, in.Request.RunID, in.Environment),
		UpdateName:   contracts.UpdateAcquire,
		Args:         []any{in.Request},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var ans LockAnswer
	if err == nil {
		err = handle.Get(ctx, &ans)
	}
	if err != nil {
		var notFound *serviceerror.NotFound
		var appErr *temporal.ApplicationError
		if errors.As(err, &notFound) || (errors.As(err, &appErr) && appErr.Type() == contracts.ErrTypeBadLockRequest) {
			return ans, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("acquire environment %s for %s: %v", id, in.Request.PromotionID, err), ErrTypeLockRefused, nil)
		}
		return ans, fmt.Errorf("acquire environment %s for %s: %w", id, in.Request.PromotionID, err)
	}
	a.logger().Debug("Asked for the environment's lock.", "environment_id", id, "promotion_id", in.Request.PromotionID,
		"granted", ans.Grant != nil, "queued", ans.Queued)
	return ans, nil
}
