package cfnfake_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/internal/cfnfake"
)

const siteTemplate = `
Parameters:
  Env: {Type: String}
  Size: {Type: Number, Default: "2"}
Resources:
  Bucket: {Type: "AWS::S3::Bucket"}
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  Env: {Value: !Ref Env}
  BucketName: {Value: {"Ref": "Bucket"}}
  Url: {Value: !Sub "https://${Env}.example.com/${Size}"}
`

func newClient(t *testing.T, f *cfnfake.Fake, maxAttempts int) *cloudformation.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return cloudformation.New(cloudformation.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts, o.MaxBackoff = maxAttempts, time.Millisecond
		}),
	})
}

// changeSetReady describes the change set until it leaves CREATE_IN_PROGRESS.
func changeSetReady(t *testing.T, c *cloudformation.Client, stack, name string) *cloudformation.DescribeChangeSetOutput {
	t.Helper()
	for i := 0; i < 10; i++ {
		out, err := c.DescribeChangeSet(context.Background(), &cloudformation.DescribeChangeSetInput{StackName: &stack, ChangeSetName: &name})
		require.NoError(t, err)
		if out.Status != types.ChangeSetStatusCreateInProgress && out.Status != types.ChangeSetStatusCreatePending {
			return out
		}
	}
	t.Fatalf("change set %s never became ready", name)
	return nil
}

// stackSettled describes the stack until it leaves *_IN_PROGRESS.
func stackSettled(t *testing.T, c *cloudformation.Client, name string) types.Stack {
	t.Helper()
	for i := 0; i < 50; i++ {
		out, err := c.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: &name})
		require.NoError(t, err)
		require.Len(t, out.Stacks, 1)
		st := out.Stacks[0]
		if s := string(st.StackStatus); len(s) < 12 || s[len(s)-12:] != "_IN_PROGRESS" {
			return st
		}
	}
	t.Fatalf("stack %s never settled", name)
	return types.Stack{}
}

func deploy(t *testing.T, c *cloudformation.Client, stack, name, typ, body string, params map[string]string) (*cloudformation.DescribeChangeSetOutput, types.Stack) {
	t.Helper()
	ctx := context.Background()
	in := &cloudformation.CreateChangeSetInput{StackName: &stack, ChangeSetName: &name, TemplateBody: &body,
		ChangeSetType: types.ChangeSetType(typ)}
	for k, v := range params {
		in.Parameters = append(in.Parameters, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)})
	}
	created, err := c.CreateChangeSet(ctx, in)
	require.NoError(t, err)
	require.Contains(t, *created.Id, "changeSet/"+name+"/")
	cs := changeSetReady(t, c, stack, name)
	if cs.Status != types.ChangeSetStatusCreateComplete {
		return cs, types.Stack{}
	}
	_, err = c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: &stack, ChangeSetName: &name})
	require.NoError(t, err)
	return cs, stackSettled(t, c, stack)
}

func outputs(st types.Stack) map[string]string {
	out := map[string]string{}
	for _, o := range st.Outputs {
		out[*o.OutputKey] = *o.OutputValue
	}
	return out
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestCloudFormationCreateUpdateAndNoChanges(t *testing.T) {
	f := cfnfake.New()
	c := newClient(t, f, 1)
	ctx := context.Background()

	_, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("site")})
	require.Equal(t, "ValidationError", apiCode(err))
	require.ErrorContains(t, err, "Stack with id site does not exist")

	cs, st := deploy(t, c, "site", "first", "CREATE", siteTemplate, map[string]string{"Env": "dev"})
	require.Len(t, cs.Changes, 2)
	require.Equal(t, types.ChangeActionAdd, cs.Changes[0].ResourceChange.Action)
	require.Equal(t, types.StackStatusCreateComplete, st.StackStatus)
	out := outputs(st)
	require.Equal(t, "dev", out["Env"])
	require.Equal(t, "https://dev.example.com/2", out["Url"])
	require.Contains(t, out["BucketName"], "site-Bucket-")

	// Events, newest first, across pages.
	var statuses []string
	pages := cloudformation.NewDescribeStackEventsPaginator(c, &cloudformation.DescribeStackEventsInput{StackName: aws.String("site")})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		for _, e := range page.StackEvents {
			statuses = append(statuses, *e.LogicalResourceId+" "+string(e.ResourceStatus))
		}
	}
	require.Equal(t, []string{
		"site CREATE_COMPLETE", "Queue CREATE_COMPLETE", "Queue CREATE_IN_PROGRESS", "Bucket CREATE_COMPLETE",
		"Bucket CREATE_IN_PROGRESS", "site CREATE_IN_PROGRESS", "site REVIEW_IN_PROGRESS",
	}, statuses)

	// The same template and parameters: nothing to change.
	cs, _ = deploy(t, c, "site", "again", "UPDATE", siteTemplate, map[string]string{"Env": "dev"})
	require.Equal(t, types.ChangeSetStatusFailed, cs.Status)
	require.Equal(t, cfnfake.NoChangesReason, *cs.StatusReason)
	_, err = c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String("site"), ChangeSetName: aws.String("again")})
	var invalid *types.InvalidChangeSetStatusException
	require.ErrorAs(t, err, &invalid)
	_, err = c.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{StackName: aws.String("site"), ChangeSetName: aws.String("again")})
	require.NoError(t, err)
	_, err = c.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: aws.String("site"), ChangeSetName: aws.String("again")})
	var notFound *types.ChangeSetNotFoundException
	require.ErrorAs(t, err, &notFound)

	// New parameters update the stack.
	cs, st = deploy(t, c, "site", "second", "UPDATE", siteTemplate, map[string]string{"Env": "qa", "Size": "3"})
	require.Equal(t, types.ChangeActionModify, cs.Changes[0].ResourceChange.Action)
	require.Equal(t, types.StackStatusUpdateComplete, st.StackStatus)
	require.Equal(t, "https://qa.example.com/3", outputs(st)["Url"])
	require.NotNil(t, st.LastUpdatedTime)

	_, err = c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("site"), ChangeSetName: aws.String("third"),
		TemplateBody: aws.String(siteTemplate), Parameters: []types.Parameter{{ParameterKey: aws.String("Nope"), ParameterValue: aws.String("x")}}})
	require.Equal(t, "ValidationError", apiCode(err))
	require.ErrorContains(t, err, "Parameters: [Nope] do not exist in the template")

	snap, ok := f.Stack("site")
	require.True(t, ok)
	require.Equal(t, "UPDATE_COMPLETE", snap.Status)
	require.Equal(t, map[string]string{"Env": "qa", "Size": "3"}, snap.Parameters)
	require.Equal(t, []string{"second"}, snap.ChangeSets, "executing a change set deletes the stack's others")
}

const failingTemplate = `{
  "Resources": {
    "Bucket": {"Type": "AWS::S3::Bucket"},
    "Zone": {"Type": "Drover::Fake::Fail", "Properties": {"Reason": "zone example.com already exists"}}
  }
}`

func TestCloudFormationFailedExecutionsRollBack(t *testing.T) {
	f := cfnfake.New()
	c := newClient(t, f, 1)
	ctx := context.Background()

	_, st := deploy(t, c, "broken", "first", "CREATE", failingTemplate, nil)
	require.Equal(t, types.StackStatusRollbackComplete, st.StackStatus)
	cs, err := c.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: aws.String("broken"), ChangeSetName: aws.String("first")})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusExecuteFailed, cs.ExecutionStatus)
	_, err = c.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{StackName: aws.String("broken"), ChangeSetName: aws.String("first")})
	require.Equal(t, "InvalidChangeSetStatus", apiCode(err), "a failed execution's change set stays")
	_, err = c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String("broken"), ChangeSetName: aws.String("first")})
	require.Equal(t, "InvalidChangeSetStatus", apiCode(err))
	require.ErrorContains(t, err, "execution status of [EXECUTE_FAILED]")
	events, err := c.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("broken")})
	require.NoError(t, err)
	var reasons []string
	for _, e := range events.StackEvents {
		if e.ResourceStatus == types.ResourceStatusCreateFailed {
			reasons = append(reasons, *e.ResourceStatusReason)
		}
	}
	require.Equal(t, []string{"zone example.com already exists"}, reasons)
	_, err = c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("broken"), ChangeSetName: aws.String("second"),
		TemplateBody: aws.String(failingTemplate)})
	require.Equal(t, "ValidationError", apiCode(err))
	require.ErrorContains(t, err, "ROLLBACK_COMPLETE state and can not be updated")

	// A failed update rolls back to what was there.
	_, st = deploy(t, c, "site", "first", "CREATE", siteTemplate, map[string]string{"Env": "dev"})
	require.Equal(t, types.StackStatusCreateComplete, st.StackStatus)
	_, st = deploy(t, c, "site", "second", "UPDATE", failingTemplate, nil)
	require.Equal(t, types.StackStatusUpdateRollbackComplete, st.StackStatus)
	require.Equal(t, "dev", outputs(st)["Env"])
	snap, _ := f.Stack("site")
	require.Equal(t, siteTemplate, snap.Template)
}

func TestCloudFormationThrottling(t *testing.T) {
	f := cfnfake.New()
	f.Throttle(1)
	_, err := newClient(t, f, 1).DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{})
	require.Equal(t, "Throttling", apiCode(err))

	// The SDK's standard retryer retries throttled calls.
	f.Throttle(2)
	out, err := newClient(t, f, 3).DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{})
	require.NoError(t, err)
	require.Empty(t, out.Stacks)
	require.Equal(t, 4, f.Count("DescribeStacks"))
}

func TestCloudFormationInsufficientCapabilities(t *testing.T) {
	c := newClient(t, cfnfake.New(), 1)
	_, err := c.CreateChangeSet(context.Background(), &cloudformation.CreateChangeSetInput{StackName: aws.String("iam"),
		ChangeSetName: aws.String("first"), ChangeSetType: types.ChangeSetTypeCreate,
		TemplateBody: aws.String("Resources:\n  Role: {Type: AWS::IAM::Role}\n")})
	var insufficient *types.InsufficientCapabilitiesException
	require.ErrorAs(t, err, &insufficient)
}
