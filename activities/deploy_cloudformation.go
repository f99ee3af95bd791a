package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"go.temporal.io/sdk/activity"

	"github.com/drover-ci/drover/logstore"
)

// DefaultCloudFormationPoll is how often a cloudformation deploy asks
// CloudFormation how its change set and stack are doing.
const DefaultCloudFormationPoll = 5 * time.Second

// cloudFormationDeploy creates a change set for the deploy's stack, waits
// for it, executes it and waits for the stack, streaming stack events into
// the deploy log. Its change set is named after the promotion and the
// environment, so that a retried activity picks up where the last attempt
// was instead of starting over.
type cloudFormationDeploy struct {
	a *PromotionActivities
}

// cfnRun is one attempt of a cloudformation deploy.
type cfnRun struct {
	api       CloudFormationAPI
	opts      []func(*cloudformation.Options)
	in        DeployInput
	stack     string
	changeSet string
	log       *logstore.LineWriter
	poll      time.Duration
	seen      map[string]bool // stack events already logged
	failures  []string        // reasons of failed resources, oldest first
}

// Deploy deploys in through a change set. The stack's outputs are the
// result's outputs. A template or parameters CloudFormation refuses, a
// stack that cannot be updated and an execution that rolls back are
// non-retryable DeployFailed errors; throttling that outlasts the client's
// retries and other infrastructure failures are retryable.
func (d cloudFormationDeploy) Deploy(ctx context.Context, in DeployInput, log *logstore.LineWriter) (DeployResult, error) {
	c := in.Deploy.CloudFormation
	if d.a.CloudFormation == nil {
		return DeployResult{}, deployFailed("%s: this worker has no CloudFormation client", deployWhat(in))
	}
	stopHeartbeat := d.a.Tasks.heartbeat(ctx, int(activity.GetInfo(ctx).Attempt))
	defer stopHeartbeat()
	r := &cfnRun{api: d.a.CloudFormation, in: in, stack: c.Stack, changeSet: changeSetName(in), log: log,
		poll: d.a.CloudFormationPoll, seen: map[string]bool{}}
	if r.poll <= 0 {
		r.poll = DefaultCloudFormationPoll
	}
	if c.Region != "" {
		r.opts = append(r.opts, func(o *cloudformation.Options) { o.Region = c.Region })
	}
	host, _ := os.Hostname()
	log.Printf("=== %s: attempt %d on %s: stack %s, change set %s ===", deployWhat(in), activity.GetInfo(ctx).Attempt, host, r.stack, r.changeSet)
	res, err := d.deploy(ctx, r)
	res.LogKey = deployLogKey(ctx, in)
	if err != nil {
		log.Printf("=== %v ===", err)
	}
	return res, err
}

func (d cloudFormationDeploy) deploy(ctx context.Context, r *cfnRun) (DeployResult, error) {
	cs, err := r.describeChangeSet(ctx)
	if err != nil {
		return DeployResult{}, err
	}
	if cs != nil {
		r.log.Printf("=== change set %s exists: %s, execution %s ===", r.changeSet, cs.Status, cs.ExecutionStatus)
		switch {
		case cs.ExecutionStatus == types.ExecutionStatusExecuteInProgress ||
			cs.ExecutionStatus == types.ExecutionStatusExecuteComplete ||
			cs.ExecutionStatus == types.ExecutionStatusExecuteFailed:
			return r.waitStack(ctx, aws.ToTime(cs.CreationTime))
		case cs.Status == types.ChangeSetStatusFailed && noChanges(aws.ToString(cs.StatusReason)):
			return r.noChanges(ctx)
		case cs.Status == types.ChangeSetStatusCreateComplete && cs.ExecutionStatus == types.ExecutionStatusAvailable,
			cs.Status == types.ChangeSetStatusCreatePending, cs.Status == types.ChangeSetStatusCreateInProgress:
			// Reuse it.
		default:
			// Failed for a reason that a new attempt may not have (such as a
			// template fixed since), or obsolete: start over.
			if err := r.deleteChangeSet(ctx); err != nil {
				return DeployResult{}, err
			}
			cs = nil
		}
	}
	if cs == nil {
		if err := d.createChangeSet(ctx, r); err != nil {
			return DeployResult{}, err
		}
	}
	if cs, err = r.waitChangeSet(ctx); err != nil {
		return DeployResult{}, err
	}
	if cs.Status == types.ChangeSetStatusFailed {
		reason := aws.ToString(cs.StatusReason)
		if noChanges(reason) {
			return r.noChanges(ctx)
		}
		return DeployResult{}, deployFailed("%s: change set %s failed: %s", deployWhat(r.in), r.changeSet, reason)
	}
	for _, ch := range cs.Changes {
		if rc := ch.ResourceChange; rc != nil {
			r.log.Printf("change: %s %s (%s)", rc.Action, aws.ToString(rc.LogicalResourceId), aws.ToString(rc.ResourceType))
		}
	}
	r.log.Printf("=== execute change set %s ===", r.changeSet)
	_, err = r.api.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{
		StackName: aws.String(r.stack), ChangeSetName: aws.String(r.changeSet)}, r.opts...)
	if err != nil {
		if !r.executionStarted(ctx, err) {
			return DeployResult{}, r.apiFailure("execute change set", err)
		}
		r.log.Printf("=== change set %s is executing already (an earlier request got through) ===", r.changeSet)
	}
	return r.waitStack(ctx, aws.ToTime(cs.CreationTime))
}

// executionStarted says whether ExecuteChangeSet failed with err only
// because the change set is executing already: the SDK retried a request
// whose first try did get through (its answer was lost or a 5xx), and the
// retry is refused with InvalidChangeSetStatus. That is no failure.
func (r *cfnRun) executionStarted(ctx context.Context, err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidChangeSetStatus" {
		return false
	}
	cs, derr := r.describeChangeSet(ctx)
	if derr != nil {
		return false
	}
	// Gone: executions delete the stack's change sets; waitStack reports the stack.
	return cs == nil || cs.ExecutionStatus == types.ExecutionStatusExecuteInProgress ||
		cs.ExecutionStatus == types.ExecutionStatusExecuteComplete || cs.ExecutionStatus == types.ExecutionStatusExecuteFailed
}

// createChangeSet creates the run's change set: CREATE for a stack that
// does not exist yet (or only holds change sets), UPDATE otherwise.
func (d cloudFormationDeploy) createChangeSet(ctx context.Context, r *cfnRun) error {
	c := r.in.Deploy.CloudFormation
	typ, err := r.changeSetType(ctx)
	if err != nil {
		return err
	}
	body, err := d.a.cloudFormationTemplate(ctx, r.in, r.log)
	if err != nil {
		return err
	}
	params, err := d.a.cloudFormationParameters(r.in)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	input := &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(r.stack),
		ChangeSetName: aws.String(r.changeSet),
		ChangeSetType: typ,
		TemplateBody:  aws.String(body),
		Description:   aws.String(truncate(deployWhat(r.in), 1024)),
	}
	for _, name := range names {
		input.Parameters = append(input.Parameters, types.Parameter{ParameterKey: aws.String(name), ParameterValue: aws.String(params[name])})
		r.log.Printf("parameter %s=%s", name, params[name])
	}
	for _, cap := range c.Capabilities {
		input.Capabilities = append(input.Capabilities, types.Capability(cap))
	}
	r.log.Printf("=== create %s change set %s ===", typ, r.changeSet)
	_, err = r.api.CreateChangeSet(ctx, input, r.opts...)
	var exists *types.AlreadyExistsException
	if errors.As(err, &exists) {
		return nil // an earlier attempt's request landed after all
	}
	if err != nil {
		return r.apiFailure("create change set", err)
	}
	return nil
}

// changeSetType says whether the change set creates or updates the stack,
// refusing stacks that cannot be updated.
func (r *cfnRun) changeSetType(ctx context.Context) (types.ChangeSetType, error) {
	st, err := r.describeStack(ctx)
	if err != nil {
		return "", err
	}
	if st == nil || st.StackStatus == types.StackStatusReviewInProgress {
		return types.ChangeSetTypeCreate, nil
	}
	status := string(st.StackStatus)
	switch {
	case st.StackStatus == types.StackStatusRollbackComplete:
		return "", deployFailed("%s: stack %s is in ROLLBACK_COMPLETE: its first creation failed (%s) and CloudFormation cannot update it; "+
			"delete it (aws cloudformation delete-stack --stack-name %s) and deploy again",
			deployWhat(r.in), r.stack, aws.ToString(st.StackStatusReason), r.stack)
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return "", fmt.Errorf("%s: stack %s is busy (%s); retrying later", deployWhat(r.in), r.stack, status)
	case strings.HasSuffix(status, "_FAILED"):
		return "", deployFailed("%s: stack %s is in %s and needs attention before it can be updated: %s",
			deployWhat(r.in), r.stack, status, aws.ToString(st.StackStatusReason))
	}
	return types.ChangeSetTypeUpdate, nil
}

// noChanges deletes the empty change set and succeeds with the stack's outputs.
func (r *cfnRun) noChanges(ctx context.Context) (DeployResult, error) {
	r.log.Printf("=== no changes: stack %s is up to date ===", r.stack)
	if err := r.deleteChangeSet(ctx); err != nil {
		return DeployResult{}, err
	}
	st, err := r.describeStack(ctx)
	if err != nil {
		return DeployResult{}, err
	}
	res := DeployResult{Detail: "no changes"}
	if st != nil {
		res.Outputs = stackOutputs(*st)
	}
	return res, nil
}

func noChanges(reason string) bool {
	return strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed")
}

func stackOutputs(st types.Stack) map[string]string {
	if len(st.Outputs) == 0 {
		return nil
	}
	out := make(map[string]string, len(st.Outputs))
	for _, o := range st.Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return out
}
