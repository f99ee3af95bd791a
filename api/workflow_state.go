package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// describeRun describes a run of workflow id (the latest when runID is
// empty); kind names the workflow in errors. A workflow Temporal does not
// know gives a *NotFoundError of kind.
func describeRun(ctx context.Context, c WorkflowClient, kind, id, runID string) (*workflowpb.WorkflowExecutionInfo, error) {
	desc, err := describe(ctx, c, kind, id, runID)
	if err != nil {
		return nil, err
	}
	return desc.GetWorkflowExecutionInfo(), nil
}

// describe is describeRun with the whole description (pending activities too).
func describe(ctx context.Context, c WorkflowClient, kind, id, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, id, runID)
	if isNotFound(err) {
		return nil, notFound(kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s %s: %w", kind, id, err)
	}
	return desc, nil
}

// runResult reads the outcome of exactly this run, not of a later one.
func runResult[S any](ctx context.Context, c WorkflowClient, id, runID string, state *S) error {
	run := c.GetWorkflow(ctx, id, runID)
	return run.GetWithOptions(ctx, state, client.WorkflowRunGetOptions{DisableFollowingRuns: true})
}

// queryState asks a run for its state with queryType, giving up after
// timeout (zero means DefaultQueryTimeout): without a worker to answer, a
// query would wait for as long as its context allows.
func queryState[S any](ctx context.Context, c WorkflowClient, timeout time.Duration, id, runID, queryType string, state *S) error {
	ctx, cancel := context.WithTimeout(ctx, durationOr(timeout, DefaultQueryTimeout))
	defer cancel()
	val, err := c.QueryWorkflow(ctx, id, runID, queryType)
	if err != nil {
		return fmt.Errorf("query %s: %w", queryType, err)
	}
	if err := val.Get(state); err != nil {
		return fmt.Errorf("decode %s: %w", queryType, err)
	}
	return nil
}

// failureState reads the state a failed or cancelled workflow returns as
// the details of its error, and reports whether there was one.
func failureState[S any](err error, state *S) bool {
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

// keywordAttributes copies the keyword search attributes of a run named by
// the keys of dst into their strings; a missing attribute leaves its
// string empty.
func keywordAttributes(info *workflowpb.WorkflowExecutionInfo, dst map[string]*string) {
	fields := info.GetSearchAttributes().GetIndexedFields()
	dc := converter.GetDefaultDataConverter()
	for name, p := range dst {
		if payload, ok := fields[name]; ok {
			_ = dc.FromPayload(payload, p)
		}
	}
}

// closeTime is when a run closed, nil while it has not.
func closeTime(info *workflowpb.WorkflowExecutionInfo) *time.Time {
	t := info.GetCloseTime()
	if t == nil {
		return nil
	}
	closed := t.AsTime()
	return &closed
}
