package pipeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestParseDesignSample checks the promotion and notify sections of the
// sample drover.yaml of the design, which the golden plan does not cover.
func TestParseDesignSample(t *testing.T) {
	p, err := LoadFile("testdata/valid/design.yaml")
	require.NoError(t, err)
	require.Equal(t, "https://github.com/acme/foas.git", p.Repository)

	envs := p.Promotion.Environments
	require.Len(t, envs, 3)
	dev, staging, prod := envs[0], envs[1], envs[2]

	require.Equal(t, "dev", dev.Name)
	require.Equal(t, []string{"main"}, dev.Branches)
	require.Equal(t, Deploy{Shell: "./deploy.sh dev"}, dev.Deploy)

	require.Equal(t, &CloudFormationDeploy{Stack: "foas-staging", Template: "deploy/stack.yaml"}, staging.Deploy.CloudFormation)
	require.Len(t, staging.Verify, 3)
	require.Equal(t, &HTTPCheck{URL: "https://staging.example.com/healthz", Status: 200, Within: Duration(15 * time.Second)}, staging.Verify[0].HTTP)
	require.Equal(t, &TaskCheck{Run: "./api-tests.sh https://staging.example.com"}, staging.Verify[1].Task)
	require.Equal(t, Duration(10*time.Minute), *staging.Verify[2].Bake)

	require.Equal(t, &Approval{Approvers: []string{"alice", "group:release"}, Required: 1, Timeout: Duration(72 * time.Hour)}, prod.Approval)
	require.Equal(t, RollbackAuto, prod.Rollback)
	require.Equal(t, DeployCloudFormation, prod.Deploy.Kind())

	require.Equal(t, &SlackNotify{Channel: "#deploys"}, p.Notify.Slack)
	require.Equal(t, []WebhookNotify{{URL: "https://hooks.example.com/drover", Events: []string{"ARTIFACT_AVAILABLE", "DEPLOY_COMPLETED"}}}, p.Notify.Webhooks)
}

func TestParseBranchPerEnvSample(t *testing.T) {
	p, err := LoadFile("testdata/valid/branch-per-env.yaml")
	require.NoError(t, err)
	envs := p.Promotion.Environments
	require.Equal(t, PolicySupersede, envs[0].Policy)
	require.Equal(t, map[string]string{"Env": "dev"}, envs[0].Deploy.CloudFormation.Parameters)
	require.Equal(t, &S3Deploy{Bucket: "reports", Prefix: "infra/qa/", Source: "template"}, envs[1].Deploy.S3)
	require.Equal(t, &ExternalCheck{Name: "ci/integration", Timeout: Duration(2 * time.Hour)}, envs[1].Verify[0].External)
	require.Equal(t, Duration(30*time.Minute), envs[1].Soak)
	require.True(t, envs[2].Approval.PreventSelfApproval)
	require.Equal(t, &Window{Days: []string{"mon", "tue", "wed", "thu"}, Start: "09:00", End: "16:00", Timezone: "Europe/Paris"}, envs[2].Window)
	require.Equal(t, &WebhookDeploy{URL: "https://deployer.example.com/hooks/drover", Timeout: Duration(time.Hour)}, envs[2].Deploy.Webhook)
	require.Equal(t, HTTPCheck{URL: "https://example.com/healthcheck", Method: "GET", Status: 200, Body: "ok",
		Within: Duration(15 * time.Second), Interval: Duration(time.Second), Timeout: Duration(2 * time.Second)}, *envs[2].Verify[0].HTTP)
	require.True(t, envs[2].AcceptsBranch("release/2.0"))
	require.False(t, envs[2].AcceptsBranch("dev"))
	require.Equal(t, RollbackManual, envs[2].Rollback)
	require.Empty(t, p.Notify.Webhooks[0].Events)
}
