package tests

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/awsclient"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/internal/cfnfake"
	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// useCloudFormation serves a fake CloudFormation and gives the in-process
// worker a client for it, configured as the worker configures its own
// (DROVER_CLOUDFORMATION_ENDPOINT, DROVER_AWS_REGION).
func (h *harness) useCloudFormation() *cfnfake.Fake {
	h.t.Helper()
	fake := cfnfake.New()
	srv := httptest.NewServer(fake)
	h.t.Cleanup(srv.Close)
	env := map[string]string{"DROVER_CLOUDFORMATION_ENDPOINT": srv.URL, "DROVER_AWS_REGION": "us-east-1"}
	cfg := awsclient.FromEnv(func(k string) string { return env[k] })
	cfg.Credentials = credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	h.cfn = activities.NewLazyCloudFormation(cfg)
	return fake
}

// withCloudFormation gives pa the harness's CloudFormation client, if it has one.
func (h *harness) withCloudFormation(pa *activities.PromotionActivities) *activities.PromotionActivities {
	if h.cfn != nil {
		pa.CloudFormation, pa.CloudFormationPoll = h.cfn, 20*time.Millisecond
	}
	return pa
}

// buildBranch builds commit of repo as a push to branch and returns the
// ID of the build's promotion.
func (h *harness) buildBranch(repo, commit, branch string) string {
	h.t.Helper()
	var created createResp
	require.Equal(h.t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": commit, "branch": branch}, &created))
	// The build's status turns succeeded before its promotion is started
	// (recording the build comes in between): wait for both.
	b := h.waitFor(created.ID, 2*time.Minute, "the end and the promotion", promoted)
	require.Equal(h.t, workflows.StatusSucceeded, b.Status, "template: %s", taskOf(b, "synth", "template").OutputTail)
	require.NotEmpty(h.t, b.PromotionID)
	return b.PromotionID
}

// TestInfraBranchPerEnvironment runs examples/infra with artifacts in a
// real S3 server and a fake CloudFormation: a push to dev deploys the dev
// stack only; a push to main waits for prod's approval, then deploys the
// stored template to the prod stack; a template with a failing resource
// fails dev's deploy with the resource's reason and leaves the stack as it was.
func TestInfraBranchPerEnvironment(t *testing.T) {
	s3srv := s3test.Start(t)
	bucket := s3srv.Bucket(t, "drover-blobs")
	blobs := blobstore.NewS3(s3srv.Client(t), bucket, "drover/")
	h := newHarness(t, false, withUsers(t, map[string][]string{"alice": {}, "sam": {"sre"}}),
		func(s *api.Server) { s.Blobs = blobs })
	h.blobs = blobs
	fake := h.useCloudFormation()
	h.startWorker()
	ctx := context.Background()

	repo, _ := exampleRepo(t, "infra", filepath.Join(t.TempDir(), "acme", "infra"))
	h.register("infra", repo, legacyRoles+"    deploy_targets: {cloudformation: [\"infra-*\"]}\n")
	git(t, repo, "checkout", "-q", "-b", "dev")
	devCommit := commitFiles(t, repo, map[string]string{"resources.d/topic.yaml": "Topic:\n  Type: AWS::SNS::Topic\n"})

	// A push to dev deploys dev; qa and prod take other branches.
	id := h.buildBranch(repo, devCommit, "dev")
	st := h.waitForPromotion(id, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status, "dev: %+v", envOf(st, "dev").Deploy)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "dev").State)
	require.Equal(t, workflows.EnvSkipped, envOf(st, "qa").State)
	require.Equal(t, workflows.EnvSkipped, envOf(st, "prod").State)
	dev := envOf(st, "dev").Deploy
	require.Equal(t, devCommit, dev.Outputs["Commit"], "the template was synthesised from the pushed commit")
	require.Equal(t, "dev", dev.Outputs["Env"])
	stack, ok := fake.Stack("infra-dev")
	require.True(t, ok)
	require.Equal(t, "CREATE_COMPLETE", stack.Status)
	require.Contains(t, stack.Template, "Topic:")
	require.Equal(t, dev.Outputs, stack.Outputs)
	_, ok = fake.Stack("infra-prod")
	require.False(t, ok)

	// Template and lint report are artifacts in S3; the stack's Report
	// parameter is the report's download URL on the API.
	listed, err := s3srv.Client(t).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket),
		Prefix: aws.String("drover/artifacts/infra/" + devCommit + "/")})
	require.NoError(t, err)
	var names []string
	for _, o := range listed.Contents {
		names = append(names, filepath.Base(aws.ToString(o.Key)))
	}
	require.ElementsMatch(t, []string{"template", "report"}, names)
	report := stack.Parameters["Report"]
	require.True(t, strings.HasPrefix(report, h.api.URL+"/api/v1/builds/"), report)
	req, err := http.NewRequest(http.MethodGet, report, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer alice-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Contains(t, string(body), `"errors": []`)

	// A push to main waits for prod's approval, which releases it.
	git(t, repo, "checkout", "-q", "main")
	// Not dev's change: made in the same second on the same parent, the
	// same tree would be the same commit, already built.
	mainCommit := commitFiles(t, repo, map[string]string{"resources.d/alerts.yaml": "Alerts:\n  Type: AWS::SNS::Topic\n"})
	id = h.buildBranch(repo, mainCommit, "main")
	st = h.waitForPromotion(id, 2*time.Minute, "prod awaiting approval", func(s workflows.PromotionState) bool {
		return awaiting("prod")(s) || promotionDone(s)
	})
	require.Equal(t, workflows.EnvAwaitingApproval, envOf(st, "prod").State)
	_, ok = fake.Stack("infra-prod")
	require.False(t, ok, "nothing reaches prod before the approval")
	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("sam", http.MethodPost, promotionPath(id)+"/approve",
		map[string]string{"environment": "prod", "comment": "ship it"}, &res))
	st = h.waitForPromotion(id, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status, "prod: %+v", envOf(st, "prod").Deploy)
	prod, ok := fake.Stack("infra-prod")
	require.True(t, ok)
	require.Equal(t, "CREATE_COMPLETE", prod.Status)
	require.Equal(t, mainCommit, prod.Outputs["Commit"])
	require.Equal(t, "prod", prod.Parameters["Env"])
	history, err := h.ledger.EnvironmentHistory(ctx, "infra", "prod", 10)
	require.NoError(t, err)
	require.Len(t, history, 1)
	require.Equal(t, ledger.ResultDeployed, history[0].Result)
	require.Equal(t, prod.Outputs, history[0].Outputs, "the stack's outputs are in the deployment record")

	// A resource that fails to create fails dev's deploy with its reason;
	// CloudFormation rolls the stack back to what it was.
	git(t, repo, "checkout", "-q", "dev")
	badCommit := commitFiles(t, repo, map[string]string{"resources.d/zone.yaml": "Zone:\n  Type: Drover::Fake::Fail\n" +
		"  Properties: {Reason: \"hosted zone infra.example.com already exists\"}\n"})
	id = h.buildBranch(repo, badCommit, "dev")
	st = h.waitForPromotion(id, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionStopped, st.Status)
	failed := envOf(st, "dev")
	require.Equal(t, workflows.EnvFailed, failed.State)
	require.Contains(t, failed.Deploy.Error+failed.Deploy.Detail, "Zone: hosted zone infra.example.com already exists")
	stack, _ = fake.Stack("infra-dev")
	require.Equal(t, "UPDATE_ROLLBACK_COMPLETE", stack.Status)
	require.Equal(t, devCommit, stack.Outputs["Commit"])
}
