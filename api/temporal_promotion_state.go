package api

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

// State returns a run of promotion id (the latest when runID is empty):
// queried live while it runs, its result once it ended, and what Temporal
// knows when neither is available.
func (p *TemporalPromotions) State(ctx context.Context, id, runID string) (workflows.PromotionState, error) {
	info, err := describeRun(ctx, p.Client, KindPromotion, id, runID)
	if err != nil {
		return workflows.PromotionState{}, err
	}
	runID = info.GetExecution().GetRunId()
	var state workflows.PromotionState
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		if err := p.query(ctx, id, runID, &state); err != nil {
			if ctx.Err() != nil {
				return workflows.PromotionState{}, fmt.Errorf("query promotion %s: %w", id, ctx.Err())
			}
			p.logger().WarnContext(ctx, "query of running promotion failed", "promotion_id", id, "error", err)
			state = promotionFromDescription(info)
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED,
		enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		runErr := runResult(ctx, p.Client, id, runID, &state)
		if runErr != nil && !failureState(runErr, &state) {
			p.logger().WarnContext(ctx, "promotion outcome has no state", "promotion_id", id, "error", runErr)
			state = promotionFromDescription(info)
		}
	default: // terminated, timed out: replay the run for its last state
		if err := p.query(ctx, id, runID, &state); err != nil {
			state = promotionFromDescription(info)
		}
		state.Status = promotionStatusOf(info.GetStatus())
	}
	state.ID, state.RunID = id, runID
	// A closed run is never shown running, whatever its last state said.
	if closed := info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING; state.Status == "" ||
		closed && state.Status == workflows.PromotionRunning {
		state.Status = promotionStatusOf(info.GetStatus())
	}
	if state.FinishedAt == nil {
		state.FinishedAt = closeTime(info)
	}
	return state, nil
}

func (p *TemporalPromotions) query(ctx context.Context, id, runID string, state *workflows.PromotionState) error {
	return queryState(ctx, p.Client, p.QueryTimeout, id, runID, workflows.PromotionStateQuery, state)
}

// promotionFromDescription is what can be told of a promotion without its
// worker: its identity from search attributes and its times.
func promotionFromDescription(info *workflowpb.WorkflowExecutionInfo) workflows.PromotionState {
	state := workflows.PromotionState{
		Status:       promotionStatusOf(info.GetStatus()),
		Environments: []workflows.EnvironmentState{}, Events: []workflows.Event{},
	}
	if t := info.GetStartTime(); t != nil {
		state.StartedAt = t.AsTime()
	}
	keywordAttributes(info, map[string]*string{
		workflows.SearchAttrProject:     &state.Project,
		workflows.SearchAttrVersion:     &state.Version,
		workflows.SearchAttrEnvironment: &state.Current,
	})
	return state
}

// promotionStatusOf maps a Temporal execution status to a promotion status.
// A run that failed, was terminated or timed out stopped.
func promotionStatusOf(s enumspb.WorkflowExecutionStatus) contracts.PromotionStatus {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return workflows.PromotionRunning
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return workflows.PromotionCompleted
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return workflows.PromotionCancelled
	default:
		return workflows.PromotionStopped
	}
}
