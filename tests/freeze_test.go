package tests

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/workflows"
)

// TestAFrozenEnvironmentHoldsPromotionsUntilItThaws: an administrator
// freezes prod; a version's promotion deploys dev and waits at prod, frozen,
// saying why; lifting the freeze lets it go on at once (the API tells it,
// rather than it finding out at its next poll).
func TestAFrozenEnvironmentHoldsPromotionsUntilItThaws(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	journal := filepath.Join(t.TempDir(), "journal")
	repo, commit := devProdProject(t, h, "frozen-demo", journal)

	var e apiError
	require.Equal(t, http.StatusBadRequest, h.doAs("alice", http.MethodPut, "/api/v1/environments/frozen-demo/prod/freeze",
		map[string]any{}, &e))
	var f rest.Freeze
	require.Equal(t, http.StatusOK, h.doAs("alice", http.MethodPut, "/api/v1/environments/frozen-demo/prod/freeze",
		map[string]any{"reason": "holiday freeze"}, &f))
	require.Equal(t, "alice", f.By)

	var started rest.PromotionStartedResponse
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "frozen-demo", "version": "1.0", "commit": commit, "branch": "main", "repository": repo}, &started))
	st := h.waitForPromotion(started.ID, time.Minute, "prod frozen", func(s workflows.PromotionState) bool {
		return envOf(s, "prod").State == workflows.EnvFrozen
	})
	require.Equal(t, workflows.EnvDeployed, envOf(st, "dev").State)
	require.Equal(t, "frozen: holiday freeze (by alice)", envOf(st, "prod").Detail)

	var envs rest.EnvironmentsResponse
	require.Equal(t, http.StatusOK, h.doAs("alice", http.MethodGet, "/api/v1/environments?project=frozen-demo", nil, &envs))
	require.Len(t, envs.Freezes, 1)

	require.Equal(t, http.StatusNoContent, h.doAs("alice", http.MethodDelete, "/api/v1/environments/frozen-demo/prod/freeze", nil, nil))
	// Within a minute, well inside the 2-minute poll: the signal moved it.
	require.Less(t, time.Minute, workflows.FreezePoll)
	st = h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "prod").State)
}
