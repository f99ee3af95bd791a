package activities

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// EnvironmentWorkflowName is the registered name of the Environment workflow
// (workflows.EnvironmentWorkflowName).
const EnvironmentWorkflowName = "Environment"

// EnvironmentStart is the input EnterEnvironment starts an Environment
// workflow with; its JSON matches the Project and Environment fields of
// workflows.EnvironmentInput (whose State stays nil for a fresh start).
type EnvironmentStart struct {
	Project     string `json:"project"`
	Environment string `json:"environment"`
}

// environmentID is workflows.EnvironmentID, rebuilt here because activities
// cannot import workflows.
func environmentID(project, environment string) string {
	return fmt.Sprintf("env/%s/%s", project, environment)
}

// EnterEnvironment registers a promotion at an environment: it signals
// SignalArrive with in.Request to the environment's Environment workflow,
// starting that workflow if it is not running. Errors are retryable.
func (a *PromotionActivities) EnterEnvironment(ctx context.Context, in EnterEnvironmentInput) error {
	id := environmentID(in.Project, in.Environment)
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                a.taskQueue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("Environment %s of %s", in.Environment, in.Project),
	}
	start := EnvironmentStart{Project: in.Project, Environment: in.Environment}
	if _, err := a.Temporal.SignalWithStartWorkflow(ctx, id, SignalArrive, in.Request, opts, EnvironmentWorkflowName, start); err != nil {
		return fmt.Errorf("enter environment %s with %s: %w", id, in.Request.PromotionID, err)
	}
	a.logger().Debug("Entered environment.", "environment_id", id, "promotion_id", in.Request.PromotionID)
	return nil
}
