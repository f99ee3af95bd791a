package tests

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// TestRedeployAndRollBackToAnyVersion: versions 1.0 and then 2.0 of a
// registered project reach prod; prod is rolled back to 1.0 through the
// API, 2.0 is redeployed there, an older version is refused without
// consent, and a version whose promotion ended is promoted again. Each run
// is its own workflow, linked to what it follows, and the ledger tells
// rollbacks and redeploys apart.
func TestRedeployAndRollBackToAnyVersion(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	ctx := context.Background()
	journal := filepath.Join(t.TempDir(), "prod-journal")
	repo, commit := devProdProject(t, h, "again-demo", journal)

	var started rest.PromotionStartedResponse
	for _, v := range []string{"1.0", "2.0"} {
		require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/artifacts", map[string]any{
			"project": "again-demo", "version": v, "commit": commit, "branch": "main", "repository": repo}, &started))
		st := h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
		require.Equal(t, workflows.PromotionCompleted, st.Status)
	}
	prodRuns := func() string {
		envs, err := h.ledger.Environments(ctx, "again-demo")
		require.NoError(t, err)
		for _, e := range envs {
			if e.Environment == "prod" {
				return e.Version
			}
		}
		return ""
	}
	require.Equal(t, "2.0", prodRuns())

	// Roll prod back to the version before, saying why.
	var e apiError
	require.Equal(t, http.StatusBadRequest, h.doAs("bob", http.MethodPost, "/api/v1/environments/again-demo/prod/rollback", map[string]any{}, &e))
	require.Equal(t, "a rollback needs a reason", e.Error.Message)
	var raw map[string]any
	status := h.doAs("bob", http.MethodPost, "/api/v1/environments/again-demo/prod/rollback",
		map[string]any{"reason": "2.0 leaks memory", "request_id": "rb-1"}, &raw)
	require.Equal(t, http.StatusAccepted, status, "%v", raw)
	started.ID = raw["id"].(string)
	require.Equal(t, "promote/again-demo/1.0/rollback-rb-1", started.ID)
	st := h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, contracts.KindRollback, st.Kind)
	require.Equal(t, "2.0 leaks memory", st.Reason)
	require.Equal(t, "promote/again-demo/2.0", st.Of)
	require.Len(t, st.Environments, 1, "only prod")
	require.Equal(t, "1.0", prodRuns())
	row, err := h.ledger.GetPromotion(ctx, started.ID, "")
	require.NoError(t, err)
	require.Equal(t, ledger.KindRollback, row.Kind)
	require.Equal(t, "bob", row.TriggeredBy)
	history, err := h.ledger.EnvironmentHistory(ctx, "again-demo", "prod", 10)
	require.NoError(t, err)
	require.Equal(t, "1.0", history[0].Version)
	require.Equal(t, ledger.KindRollback, history[0].Kind)

	// 2.0 again, to prod alone: a redeploy (2.0 is newer than what runs).
	require.Equal(t, http.StatusAccepted, h.doAs("bob", http.MethodPost, "/api/v1/promotions", map[string]any{
		"project": "again-demo", "version": "2.0", "environment": "prod", "reason": "fixed by config", "request_id": "re-1"}, &started))
	require.Equal(t, "promote/again-demo/2.0/redeploy-re-1", started.ID)
	st = h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, "2.0", prodRuns())

	// 1.0 to prod now needs consent: it is older than 2.0.
	require.Equal(t, http.StatusConflict, h.doAs("bob", http.MethodPost, "/api/v1/promotions", map[string]any{
		"project": "again-demo", "version": "1.0", "environment": "prod"}, &e))
	require.Contains(t, e.Error.Message, "version 1.0 is older than 2.0, which prod runs")

	// Promoting 2.0 again (its first promotion ended) walks the pipeline again.
	require.Equal(t, http.StatusAccepted, h.doAs("bob", http.MethodPost, "/api/v1/promotions", map[string]any{
		"project": "again-demo", "version": "2.0", "request_id": "again-1"}, &started))
	require.Equal(t, "promote/again-demo/2.0/redeploy-again-1", started.ID)
	st = h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Len(t, st.Environments, 2)

	data, err := os.ReadFile(journal)
	require.NoError(t, err)
	require.Equal(t, []string{"1.0", "2.0", "1.0", "2.0", "2.0"}, strings.Fields(string(data)), "every deploy to prod, in order")
	first := h.promotion("promote/again-demo/2.0")
	require.Equal(t, workflows.PromotionCompleted, first.Status, "the first run is untouched")
}

// devProdProject registers project, a repository whose build does nothing
// and whose promotion deploys dev, then prod, which appends each version it
// deploys to journal; it returns the repository and its commit.
func devProdProject(t *testing.T, h *harness, project, journal string) (string, string) {
	t.Helper()
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(`project: %s
build:
  stages: [{name: s, tasks: [{name: t, checkout: false, run: "true"}]}]
promotion:
  environments:
    - name: dev
      deploy: {shell: "true"}
    - name: prod
      deploy: {shell: 'echo "$DROVER_VERSION" >> %s'}
`, project, journal)})
	h.register(project, repo, legacyRoles)
	return repo, commit
}
