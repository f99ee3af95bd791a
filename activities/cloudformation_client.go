package activities

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/drover-ci/drover/awsclient"
)

// CloudFormationAPI is the part of the CloudFormation API the cloudformation
// deploy action uses (*cloudformation.Client implements it). Calls fail with
// a smithy.APIError whose code says why (ValidationError, ChangeSetNotFound,
// Throttling once the client's own retries are spent, ...).
type CloudFormationAPI interface {
	CreateChangeSet(ctx context.Context, in *cloudformation.CreateChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error)
	DescribeChangeSet(ctx context.Context, in *cloudformation.DescribeChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error)
	ExecuteChangeSet(ctx context.Context, in *cloudformation.ExecuteChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error)
	DeleteChangeSet(ctx context.Context, in *cloudformation.DeleteChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error)
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)
}

// cloudFormationMaxAttempts is how many times the SDK tries a call that is
// throttled or fails transiently when cfg does not say: CloudFormation
// throttles Describe calls readily, and the SDK's default of 3 gives up soon.
const cloudFormationMaxAttempts = 8

// NewLazyCloudFormation returns a CloudFormationAPI that builds its client
// from cfg on first use, so that a worker without AWS configuration starts
// and only cloudformation deploys fail (retryably) until it is fixed. The
// client's standard retryer retries throttled calls (Throttling, ...) with
// backoff, up to cfg.MaxAttempts (default 8) attempts.
func NewLazyCloudFormation(cfg awsclient.Config) CloudFormationAPI {
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = cloudFormationMaxAttempts
	}
	return &lazyCloudFormation{cfg: cfg}
}

type lazyCloudFormation struct {
	cfg    awsclient.Config
	mu     sync.Mutex
	client *cloudformation.Client
}

func (l *lazyCloudFormation) get(ctx context.Context) (*cloudformation.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.client == nil {
		c, err := l.cfg.CloudFormation(ctx)
		if err != nil {
			return nil, fmt.Errorf("build CloudFormation client: %w", err)
		}
		l.client = c
	}
	return l.client, nil
}

func (l *lazyCloudFormation) CreateChangeSet(ctx context.Context, in *cloudformation.CreateChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.CreateChangeSet(ctx, in, opts...)
}

func (l *lazyCloudFormation) DescribeChangeSet(ctx context.Context, in *cloudformation.DescribeChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.DescribeChangeSet(ctx, in, opts...)
}

func (l *lazyCloudFormation) ExecuteChangeSet(ctx context.Context, in *cloudformation.ExecuteChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.ExecuteChangeSet(ctx, in, opts...)
}

func (l *lazyCloudFormation) DeleteChangeSet(ctx context.Context, in *cloudformation.DeleteChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.DeleteChangeSet(ctx, in, opts...)
}

func (l *lazyCloudFormation) DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.DescribeStacks(ctx, in, opts...)
}

func (l *lazyCloudFormation) DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.DescribeStackEvents(ctx, in, opts...)
}
