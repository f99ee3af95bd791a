package activities

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

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
