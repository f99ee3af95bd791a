package api

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/workflows"
)

// State returns the state of a run of build id (the latest run when runID
// is empty): queried live while it runs, its result once it succeeded, the
// details of its failure once it failed or was cancelled, and what Temporal
// knows when it was terminated or timed out.
func (b *TemporalBuilds) State(ctx context.Context, id, runID string) (workflows.BuildState, error) {
	desc, err := b.Client.DescribeWorkflowExecution(ctx, id, runID)
	if isNotFound(err) {
		return workflows.BuildState{}, ErrNotFound
	}
	if err != nil {
		return workflows.BuildState{}, fmt.Errorf("describe build %s: %w", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	runID = info.GetExecution().GetRunId()

	var state workflows.BuildState
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		if err := b.result(ctx, id, runID, &state); err != nil {
			return workflows.BuildState{}, fmt.Errorf("result of build %s: %w", id, err)
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		runErr := b.result(ctx, id, runID, &state)
		if !failureDetails(runErr, &state) {
			b.logger().WarnContext(ctx, "build failure has no state details", "build_id", id, "error", runErr)
			state = stateFromDescription(info)
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
		enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		// A worker can still answer a query of a closed run by replaying it;
		// the state it gives is the one at the moment the run was stopped.
		if err := b.query(ctx, id, runID, &state); err != nil {
			b.logger().DebugContext(ctx, "query of closed build failed", "build_id", id, "error", err)
			state = stateFromDescription(info)
		}
		closeStoppedState(&state, info)
	default: // running (or paused)
		if err := b.query(ctx, id, runID, &state); err != nil {
			if ctx.Err() != nil {
				return workflows.BuildState{}, fmt.Errorf("query build %s: %w", id, ctx.Err())
			}
			b.logger().WarnContext(ctx, "query of running build failed", "build_id", id, "error", err)
			state = stateFromDescription(info)
		}
	}
	state.ID, state.RunID = id, runID
	if state.Status == "" {
		state.Status = statusOf(info.GetStatus())
	}
	if t := info.GetCloseTime(); t != nil && state.FinishedAt == nil && state.Status != workflows.StatusRunning {
		closed := t.AsTime()
		state.FinishedAt = &closed
	}
	return state, nil
}

// result reads the outcome of exactly this run, not of a later one.
func (b *TemporalBuilds) result(ctx context.Context, id, runID string, state *workflows.BuildState) error {
	run := b.Client.GetWorkflow(ctx, id, runID)
	return run.GetWithOptions(ctx, state, client.WorkflowRunGetOptions{DisableFollowingRuns: true})
}

func (b *TemporalBuilds) query(ctx context.Context, id, runID string, state *workflows.BuildState) error {
	timeout := b.QueryTimeout
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	val, err := b.Client.QueryWorkflow(ctx, id, runID, workflows.BuildStateQuery)
	if err != nil {
		return fmt.Errorf("query %s: %w", workflows.BuildStateQuery, err)
	}
	if err := val.Get(state); err != nil {
		return fmt.Errorf("decode %s: %w", workflows.BuildStateQuery, err)
	}
	return nil
}

// failureDetails reads the BuildState a failed or cancelled Build returns as
// the details of its error.
func failureDetails(err error, state *workflows.BuildState) bool {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		return appErr.Details(state) == nil
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) && canceled.HasDetails() {
		return canceled.Details(state) == nil
	}
	return false
}

// stateFromDescription is what can be told of a build without its worker:
// its identity from search attributes and its times.
func stateFromDescription(info *workflowpb.WorkflowExecutionInfo) workflows.BuildState {
	state := workflows.BuildState{
		Status: statusOf(info.GetStatus()),
		Stages: []workflows.StageState{}, Events: []workflows.Event{},
	}
	if t := info.GetStartTime(); t != nil {
		state.StartedAt = t.AsTime()
	}
	fields := info.GetSearchAttributes().GetIndexedFields()
	dc := converter.GetDefaultDataConverter()
	for name, dst := range map[string]*string{
		workflows.SearchAttrProject: &state.Project,
		workflows.SearchAttrBranch:  &state.Branch,
		workflows.SearchAttrCommit:  &state.Commit,
	} {
		if p, ok := fields[name]; ok {
			_ = dc.FromPayload(p, dst) // a missing attribute leaves the field empty
		}
	}
	return state
}

// closeStoppedState marks a run stopped from outside (terminated, timed out)
// as ended: the build and its unfinished tasks.
func closeStoppedState(state *workflows.BuildState, info *workflowpb.WorkflowExecutionInfo) {
	state.Status = statusOf(info.GetStatus())
	if t := info.GetCloseTime(); t != nil {
		closed := t.AsTime()
		state.FinishedAt = &closed
	}
	for i := range state.Stages {
		st := &state.Stages[i]
		for j := range st.Tasks {
			switch st.Tasks[j].Status {
			case workflows.TaskSucceeded, workflows.TaskFailed, workflows.TaskCancelled:
			default:
				st.Tasks[j].Status = workflows.TaskCancelled
			}
		}
		st.Status = stageStatus(st.Tasks)
	}
}

// statusOf maps a Temporal execution status to a build status. A terminated
// run was stopped by an operator, so it counts as cancelled.
func statusOf(s enumspb.WorkflowExecutionStatus) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return workflows.StatusSucceeded
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return workflows.StatusCancelled
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
		enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return workflows.StatusFailed
	default:
		return workflows.StatusRunning
	}
}
