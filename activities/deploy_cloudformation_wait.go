package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"go.temporal.io/sdk/temporal"
)

// describeChangeSet returns the run's change set, or nil when there is none.
func (r *cfnRun) describeChangeSet(ctx context.Context) (*cloudformation.DescribeChangeSetOutput, error) {
	out, err := r.api.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{
		StackName: aws.String(r.stack), ChangeSetName: aws.String(r.changeSet)}, r.opts...)
	var notFound *types.ChangeSetNotFoundException
	if errors.As(err, &notFound) || doesNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, r.apiFailure("describe change set", err)
	}
	return out, nil
}

// describeStack returns the stack, or nil when it does not exist.
func (r *cfnRun) describeStack(ctx context.Context) (*types.Stack, error) {
	out, err := r.api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(r.stack)}, r.opts...)
	if doesNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, r.apiFailure("describe stack", err)
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

func (r *cfnRun) deleteChangeSet(ctx context.Context) error {
	_, err := r.api.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{
		StackName: aws.String(r.stack), ChangeSetName: aws.String(r.changeSet)}, r.opts...)
	var notFound *types.ChangeSetNotFoundException
	if err != nil && !errors.As(err, &notFound) {
		return r.apiFailure("delete change set", err)
	}
	return nil
}

// waitChangeSet polls the change set until CloudFormation has worked it out.
func (r *cfnRun) waitChangeSet(ctx context.Context) (*cloudformation.DescribeChangeSetOutput, error) {
	for {
		cs, err := r.describeChangeSet(ctx)
		if err != nil {
			return nil, err
		}
		if cs == nil {
			return nil, fmt.Errorf("%s: change set %s vanished while being created", deployWhat(r.in), r.changeSet)
		}
		if cs.Status != types.ChangeSetStatusCreatePending && cs.Status != types.ChangeSetStatusCreateInProgress {
			return cs, nil
		}
		if err := r.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

// waitStack polls the stack until the change set's execution ends, logging
// the stack events from since on. Outputs of a stack that ends well are the
// result's; one that fails or rolls back is a DeployFailed error carrying
// the reasons its resources failed.
func (r *cfnRun) waitStack(ctx context.Context, since time.Time) (DeployResult, error) {
	for {
		st, err := r.describeStack(ctx)
		if err != nil {
			return DeployResult{}, err
		}
		if st == nil {
			return DeployResult{}, deployFailed("%s: stack %s no longer exists", deployWhat(r.in), r.stack)
		}
		if err := r.streamEvents(ctx, since); err != nil {
			return DeployResult{}, err
		}
		status := string(st.StackStatus)
		if !strings.HasSuffix(status, "_IN_PROGRESS") {
			// Right after ExecuteChangeSet the stack may not have started:
			// the change set says whether its execution is over.
			cs, err := r.describeChangeSet(ctx)
			if err != nil {
				return DeployResult{}, err
			}
			if cs == nil || (cs.ExecutionStatus != types.ExecutionStatusAvailable && cs.ExecutionStatus != types.ExecutionStatusExecuteInProgress) {
				return r.finished(*st)
			}
		}
		if err := r.sleep(ctx); err != nil {
			return DeployResult{}, err
		}
	}
}

// finished reports a stack whose change set execution is over.
func (r *cfnRun) finished(st types.Stack) (DeployResult, error) {
	status := string(st.StackStatus)
	res := DeployResult{Outputs: stackOutputs(st)}
	ok := []types.StackStatus{types.StackStatusCreateComplete, types.StackStatusUpdateComplete, types.StackStatusImportComplete}
	if slices.Contains(ok, st.StackStatus) {
		res.Detail = fmt.Sprintf("stack %s %s", r.stack, status)
		r.log.Printf("=== stack %s: %s ===", r.stack, status)
		return res, nil
	}
	reasons := r.failures
	if len(reasons) == 0 && aws.ToString(st.StackStatusReason) != "" {
		reasons = []string{aws.ToString(st.StackStatusReason)}
	}
	res.Detail = fmt.Sprintf("stack %s %s: %s", r.stack, status, strings.Join(reasons, "; "))
	return res, temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("%s: %s", deployWhat(r.in), res.Detail), ErrTypeDeployFailed, nil, res)
}

// streamEvents logs the stack's events since the change set was created
// that are not logged yet, oldest first, and collects failure reasons.
func (r *cfnRun) streamEvents(ctx context.Context, since time.Time) error {
	var fresh []types.StackEvent
	in := &cloudformation.DescribeStackEventsInput{StackName: aws.String(r.stack)}
pages:
	for {
		out, err := r.api.DescribeStackEvents(ctx, in, r.opts...)
		if err != nil {
			return r.apiFailure("describe stack events", err)
		}
		for _, e := range out.StackEvents {
			if r.seen[aws.ToString(e.EventId)] || aws.ToTime(e.Timestamp).Before(since) {
				break pages
			}
			fresh = append(fresh, e)
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	for _, e := range slices.Backward(fresh) {
		r.seen[aws.ToString(e.EventId)] = true
		line := fmt.Sprintf("%s %s %s %s", aws.ToTime(e.Timestamp).UTC().Format(time.RFC3339),
			aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), e.ResourceStatus)
		reason := aws.ToString(e.ResourceStatusReason)
		if reason != "" {
			line += ": " + reason
		}
		r.log.Printf("%s", line)
		if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && reason != "" {
			r.failures = append(r.failures, aws.ToString(e.LogicalResourceId)+": "+reason)
		}
	}
	return nil
}

func (r *cfnRun) sleep(ctx context.Context) error {
	t := time.NewTimer(r.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s cancelled: %w", deployWhat(r.in), ctx.Err())
	case <-t.C:
		return nil
	}
}

// doesNotExist says whether err is CloudFormation's "Stack ... does not exist".
func doesNotExist(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

// apiFailure wraps a failed call: what CloudFormation refuses (a bad
// template or parameters, missing capabilities) cannot succeed on retry and
// is a DeployFailed error; everything else (a stack busy with another
// update, throttling that outlasted the client's retries, network, server
// errors) stays retryable.
func (r *cfnRun) apiFailure(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s cancelled: %w", deployWhat(r.in), err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); {
		case code == "ValidationError" && strings.Contains(ae.ErrorMessage(), "_IN_PROGRESS state"):
			// "Stack:... is in UPDATE_IN_PROGRESS state and can not be
			// updated": someone else's update is running; it will end.
		case slices.Contains([]string{"ValidationError", "InsufficientCapabilitiesException", "InvalidChangeSetStatus",
			"AccessDenied", "AccessDeniedException"}, code):
			return deployFailed("%s: %s %s of stack %s: %s: %s", deployWhat(r.in), op, r.changeSet, r.stack, ae.ErrorCode(), ae.ErrorMessage())
		}
	}
	return fmt.Errorf("%s: %s %s of stack %s: %w", deployWhat(r.in), op, r.changeSet, r.stack, err)
}
