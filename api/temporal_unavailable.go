package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// DefaultTemporalCallTimeout bounds one call to Temporal that waits for no
// worker (start, describe, cancel, list, complete). The SDK would retry an
// unreachable frontend for its own 10 s; a client is better told at once.
const DefaultTemporalCallTimeout = 3 * time.Second

// TemporalRetryAfter is the Retry-After, in seconds, of a 503 answered
// because Temporal is unreachable.
const TemporalRetryAfter = 5

// ErrTemporalUnavailable is matched (errors.Is) by the error of a call that
// failed because Temporal could not be reached in time; the API answers it
// with 503 and Retry-After.
var ErrTemporalUnavailable = errors.New("temporal is unreachable")

type temporalUnavailableError struct{ err error }

func (e *temporalUnavailableError) Error() string {
	return fmt.Sprintf("temporal is unreachable: %v", e.err)
}
func (e *temporalUnavailableError) Unwrap() error        { return e.err }
func (e *temporalUnavailableError) Is(target error) bool { return target == ErrTemporalUnavailable }

// temporalUnavailable wraps err as ErrTemporalUnavailable when it says that
// Temporal could not be reached (unavailable, or no answer before the call's
// deadline) while the caller was still waiting; otherwise it returns err.
func temporalUnavailable(caller context.Context, err error) error {
	if err == nil || caller.Err() != nil {
		return err
	}
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &unavailable) || errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded) {
		return &temporalUnavailableError{err: err}
	}
	return err
}

// BoundedClient is a Temporal client whose calls that wait for no worker are
// bounded by Timeout (zero means DefaultTemporalCallTimeout) and fail with
// ErrTemporalUnavailable when Temporal does not answer. Queries and updates,
// which wait for a worker, keep their own timeouts.
type BoundedClient struct {
	client.Client
	Timeout time.Duration
}

func (c BoundedClient) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, durationOr(c.Timeout, DefaultTemporalCallTimeout))
}

// ExecuteWorkflow starts a workflow within the call timeout.
func (c BoundedClient) ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error) {
	bctx, cancel := c.bound(ctx)
	defer cancel()
	run, err := c.Client.ExecuteWorkflow(bctx, options, workflow, args...)
	return run, temporalUnavailable(ctx, err)
}

// DescribeWorkflowExecution describes a run within the call timeout.
func (c BoundedClient) DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	bctx, cancel := c.bound(ctx)
	defer cancel()
	resp, err := c.Client.DescribeWorkflowExecution(bctx, workflowID, runID)
	return resp, temporalUnavailable(ctx, err)
}

// CancelWorkflow requests a cancellation within the call timeout.
func (c BoundedClient) CancelWorkflow(ctx context.Context, workflowID, runID string) error {
	bctx, cancel := c.bound(ctx)
	defer cancel()
	return temporalUnavailable(ctx, c.Client.CancelWorkflow(bctx, workflowID, runID))
}

// ListWorkflow lists runs within the call timeout.
func (c BoundedClient) ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	bctx, cancel := c.bound(ctx)
	defer cancel()
	resp, err := c.Client.ListWorkflow(bctx, request)
	return resp, temporalUnavailable(ctx, err)
}

// CompleteActivity completes an asynchronous activity within the call timeout.
func (c BoundedClient) CompleteActivity(ctx context.Context, taskToken []byte, result any, err error) error {
	bctx, cancel := c.bound(ctx)
	defer cancel()
	return temporalUnavailable(ctx, c.Client.CompleteActivity(bctx, taskToken, result, err))
}

// QueryWorkflow queries a run; its deadline is the caller's (queryState
// sets one), and an unreachable Temporal is reported as such.
func (c BoundedClient) QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error) {
	v, err := c.Client.QueryWorkflow(ctx, workflowID, runID, queryType, args...)
	return v, temporalUnavailable(ctx, err)
}

// CheckHealth asks the Temporal frontend whether it serves, within the call timeout.
func (c BoundedClient) CheckHealth(ctx context.Context, request *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	bctx, cancel := c.bound(ctx)
	defer cancel()
	resp, err := c.Client.CheckHealth(bctx, request)
	return resp, temporalUnavailable(ctx, err)
}
