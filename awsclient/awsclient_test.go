package awsclient_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/awsclient"
)

func TestRegionDefaults(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("k", "s", "")

	s3c, err := awsclient.Config{Credentials: creds}.S3(ctx)
	require.NoError(t, err)
	require.Equal(t, "us-east-1", s3c.Options().Region, "S3-compatible servers need some region to sign")

	cfn, err := awsclient.Config{Credentials: creds}.CloudFormation(ctx)
	require.NoError(t, err)
	require.Empty(t, cfn.Options().Region, "stacks never go to a region nobody chose")

	local, err := awsclient.Config{Credentials: creds, CloudFormationEndpoint: "http://127.0.0.1:1"}.CloudFormation(ctx)
	require.NoError(t, err)
	require.Equal(t, "us-east-1", local.Options().Region)

	chosen, err := awsclient.Config{Credentials: creds, Region: "eu-west-1"}.CloudFormation(ctx)
	require.NoError(t, err)
	require.Equal(t, "eu-west-1", chosen.Options().Region)
}
