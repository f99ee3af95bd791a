package tests

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/workflows"
)

// publicRead lets anyone GET the objects of bucket over plain HTTP, as a
// website bucket would: versitygw, like AWS, refuses unsigned requests
// otherwise.
func publicRead(t *testing.T, srv *s3test.Server, bucket string) {
	t.Helper()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",` +
		`"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::` + bucket + `/*"]}]}`
	_, err := srv.Client(t).PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{
		Bucket: aws.String(bucket), Policy: aws.String(policy)})
	require.NoError(t, err)
}

// httpGet fetches url without credentials and returns its status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// promotionLog reads a promotion step's log from the harness's log store.
func promotionLog(t *testing.T, h *harness, id, runID, env, step string) string {
	t.Helper()
	logs := logstore.New(filepath.Join(h.dataDir, "logs"))
	var out strings.Builder
	for off := int64(0); ; {
		b, next, err := logs.ReadAt(context.Background(), logstore.PromotionKey(id, runID, env, step), off, 0)
		require.NoError(t, err)
		if len(b) == 0 {
			return out.String()
		}
		out.Write(b)
		off = next
	}
}

// buildAndPromote builds main of repo as alice and returns the build's
// promotion ID.
func (h *harness) buildAndPromote(repo string) string {
	h.t.Helper()
	var created createResp
	require.Equal(h.t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	b := h.waitFor(created.ID, 2*time.Minute, "the end and its promotion", promoted)
	require.Equal(h.t, workflows.StatusSucceeded, b.Status, "unit: %s\nsite: %s",
		taskOf(b, "test", "unit").OutputTail, taskOf(b, "package", "site").OutputTail)
	require.NotEmpty(h.t, b.PromotionID)
	return b.PromotionID
}

// TestReleaseThroughStagingGate runs examples/release end to end against a
// real S3 server: a version passes staging's API tests, is approved and
// published atomically to prod; a later version whose API tests fail
// stops at staging and leaves prod as it was.
func TestReleaseThroughStagingGate(t *testing.T) {
	h := newHarness(t, false, releaseTeam(t))
	srv := h.useS3("release-site")
	publicRead(t, srv, "release-site")
	t.Setenv("RELEASE_S3_ENDPOINT", srv.Endpoint) // for api_test.sh, through the worker's environment
	h.startWorker()
	site := srv.Endpoint + "/release-site/"

	// The example, pointed at this test's S3 endpoint.
	repo, _ := exampleRepo(t, "release", filepath.Join(t.TempDir(), "acme", "shop"))
	h.register("release-demo", repo, legacyRoles+"    deploy_targets: {s3: [release-site]}\n")
	def, err := os.ReadFile(filepath.Join(repo, "drover.yaml"))
	require.NoError(t, err)
	commit := commitFiles(t, repo, map[string]string{
		"drover.yaml": strings.ReplaceAll(string(def), "http://127.0.0.1:7070", srv.Endpoint),
	})
	v1 := commit[:12]

	id := h.buildAndPromote(repo)
	st := h.waitForPromotion(id, 2*time.Minute, "prod awaiting approval", func(s workflows.PromotionState) bool {
		return awaiting("prod")(s) || promotionDone(s)
	})
	staging := envOf(st, "staging")
	require.Equal(t, workflows.EnvDeployed, staging.State, "staging: %+v", staging)
	require.Len(t, staging.Verify, 2)
	status, body := httpGet(t, site+"staging/api/version.json")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `"version": "`+v1+`"`)
	status, _ = httpGet(t, site+"prod/current.json")
	require.NotEqual(t, http.StatusOK, status, "prod waits for its approval")

	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodPost, promotionPath(id)+"/approve",
		map[string]string{"environment": "prod", "comment": "ship it"}, &res))
	st = h.waitForPromotion(id, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status, "prod: %+v", envOf(st, "prod"))
	require.Equal(t, "prod/.releases/"+v1+"/", envOf(st, "prod").Deploy.Outputs["release"])

	var pointer struct{ Version, Path string }
	status, body = httpGet(t, site+"prod/current.json")
	require.Equal(t, http.StatusOK, status, body)
	require.NoError(t, json.Unmarshal([]byte(body), &pointer))
	require.Equal(t, v1, pointer.Version)
	status, body = httpGet(t, site+"prod/"+pointer.Path+"api/version.json")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, v1)

	// Version 2 breaks the items contract: its unit tests pass, staging's
	// API tests do not, and prod never sees it.
	commit2 := commitFiles(t, repo, map[string]string{"data/items.json": `[{"name": "nameless"}]` + "\n"})
	v2 := commit2[:12]
	id2 := h.buildAndPromote(repo)
	st = h.waitForPromotion(id2, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionStopped, st.Status)
	staging = envOf(st, "staging")
	require.Len(t, staging.Verify, 1, "the http check does not run after the API tests fail")
	require.Equal(t, workflows.StepFailed, staging.Verify[0].State, "the API tests: %+v", staging.Verify[0])
	require.Contains(t, promotionLog(t, h, id2, st.RunID, "staging", "verify-0"), "FAIL: 1 item(s) without an id or a name")
	// Staging rolls back: the s3 action publishes version 1 there again.
	require.Equal(t, workflows.EnvRolledBack, staging.State, "staging: %+v", staging)
	require.Equal(t, v1, staging.Rollback.Outputs["version"])
	_, body = httpGet(t, site+"staging/api/version.json")
	require.Contains(t, body, v1, "staging serves version 1 again, not "+v2)
	require.Nil(t, envOf(st, "prod").Deploy, "prod: %+v", envOf(st, "prod"))
	getJSON(t, srv, "release-site", "prod/current.json", &pointer)
	require.Equal(t, v1, pointer.Version, "prod still serves version 1")
}
