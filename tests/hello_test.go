package tests

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

// TestHelloBuildsAndPromotes runs examples/hello as the README's first
// promotion does: the build's tarball is deployed to dev and checked, prod
// waits for a release manager, and bob's approval deploys it there.
func TestHelloBuildsAndPromotes(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HELLO_HOME", home) // the deploy scripts run in the worker's environment
	h := newHarness(t, true, releaseTeam(t))
	repo, commit := exampleRepo(t, "hello", filepath.Join(t.TempDir(), "hello"))
	h.register("hello", repo, legacyRoles)

	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	build := h.waitFor(created.ID, 2*time.Minute, "the end and its promotion", promoted)
	require.Equal(t, workflows.StatusSucceeded, build.Status)
	version := commit[:12]
	require.Equal(t, contracts.PromotionID("hello", version), build.PromotionID)

	st := h.waitForPromotion(build.PromotionID, time.Minute, "prod awaiting approval", awaiting("prod"))
	require.Equal(t, workflows.EnvDeployed, envOf(st, "dev").State)
	deployed, err := os.ReadFile(filepath.Join(home, "dev", "VERSION"))
	require.NoError(t, err)
	require.Equal(t, version, strings.TrimSpace(string(deployed)))
	require.FileExists(t, filepath.Join(home, "dev", "greet.sh"), "the artifact was unpacked")
	require.NoDirExists(t, filepath.Join(home, "prod"))

	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodPost, promotionPath(build.PromotionID)+"/approve",
		map[string]string{"environment": "prod", "comment": "ship it"}, &res))
	require.Equal(t, workflows.GateApproved, res.State)
	st = h.waitForPromotion(build.PromotionID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "prod").State)
	deployed, err = os.ReadFile(filepath.Join(home, "prod", "VERSION"))
	require.NoError(t, err)
	require.Equal(t, version, strings.TrimSpace(string(deployed)))
}
