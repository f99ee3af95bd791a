// Package awsclient builds AWS SDK clients from Drover's configuration: the
// standard AWS configuration chain (environment, shared files, instance and
// container roles) for region and credentials, plus an optional custom
// endpoint for S3-compatible servers and local CloudFormation endpoints.
package awsclient

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// defaultRegion signs requests to endpoints that ignore the region.
const defaultRegion = "us-east-1"

// Config says how to reach AWS. Zero values mean "from the standard AWS
// configuration chain" (AWS_REGION, AWS_ACCESS_KEY_ID, ~/.aws/config, ...).
type Config struct {
	// Region overrides the chain's region (DROVER_AWS_REGION).
	Region string
	// S3Endpoint is a custom S3 endpoint URL such as http://127.0.0.1:7070
	// (DROVER_S3_ENDPOINT); empty means AWS's own.
	S3Endpoint string
	// S3PathStyle addresses buckets as endpoint/bucket/key rather than
	// bucket.endpoint/key (DROVER_S3_PATH_STYLE=1); S3-compatible servers
	// usually need it.
	S3PathStyle bool
	// CloudFormationEndpoint is a custom CloudFormation endpoint URL
	// (DROVER_CLOUDFORMATION_ENDPOINT); empty means AWS's own.
	CloudFormationEndpoint string
	// MaxAttempts bounds the SDK's own retries of throttled and transient
	// calls; zero means the SDK's default (3).
	MaxAttempts int
	// Credentials replaces the chain's credentials when set (tests, and
	// callers holding explicit keys); nil means the chain's.
	Credentials aws.CredentialsProvider
}

// FromEnv reads the Config from DROVER_ variables through getenv; everything
// else (credentials above all) comes from the AWS configuration chain.
func FromEnv(getenv func(string) string) Config {
	return Config{
		Region:                 getenv("DROVER_AWS_REGION"),
		S3Endpoint:             getenv("DROVER_S3_ENDPOINT"),
		S3PathStyle:            getenv("DROVER_S3_PATH_STYLE") == "1" || getenv("DROVER_S3_PATH_STYLE") == "true",
		CloudFormationEndpoint: getenv("DROVER_CLOUDFORMATION_ENDPOINT"),
	}
}

// Load resolves the AWS configuration chain with c's overrides.
func (c Config) Load(ctx context.Context) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.MaxAttempts > 0 {
		opts = append(opts, config.WithRetryMaxAttempts(c.MaxAttempts))
	}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// S3 returns an S3 client for c.
func (c Config) S3(ctx context.Context) (*s3.Client, error) {
	cfg, err := c.Load(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		// S3-compatible servers ignore the region, but the SDK refuses to
		// sign without one; AWS's S3 answers a wrong one with a redirect
		// that storage.Open reports.
		cfg.Region = defaultRegion
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.S3Endpoint != "" {
			o.BaseEndpoint = aws.String(c.S3Endpoint)
		}
		o.UsePathStyle = c.S3PathStyle
	}), nil
}

// CloudFormation returns a CloudFormation client for c.
func (c Config) CloudFormation(ctx context.Context) (*cloudformation.Client, error) {
	cfg, err := c.Load(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" && c.CloudFormationEndpoint != "" {
		// A local endpoint ignores the region. Against AWS no region is
		// left empty on purpose: stacks must not land in a region nobody
		// chose, and the SDK's error says a region is required.
		cfg.Region = defaultRegion
	}
	return cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) {
		if c.CloudFormationEndpoint != "" {
			o.BaseEndpoint = aws.String(c.CloudFormationEndpoint)
		}
	}), nil
}
