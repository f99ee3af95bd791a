package tests

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

// Under the supersede policy, on a real Temporal server: a version queued
// behind the lock's holder (asked with the acquire update) is superseded by
// a newer one that arrives, which takes the lock when the holder releases it.
func TestSupersedeReplacesAQueuedVersion(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	h.register("super-demo", h.dataDir, legacyRoles)
	definition := `project: super-demo
build:
  stages: [{name: s, tasks: [{name: t, run: "true"}]}]
promotion:
  environments:
    - name: shared
      policy: supersede
      deploy: {shell: 'sleep 6'} # room for 1.1 to queue and 1.2 to arrive behind 1.0
`
	start := func(version string) string {
		var started struct{ ID string }
		require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/artifacts", map[string]any{
			"project": "super-demo", "version": version, "commit": strings.Repeat("b", 40), "definition": definition,
		}, &started))
		return started.ID
	}
	inState := func(state string) func(workflows.PromotionState) bool {
		return func(s workflows.PromotionState) bool { return envOf(s, "shared").State == state }
	}
	holder := start("1.0")
	h.waitForPromotion(holder, 30*time.Second, "1.0 deploying", inState(workflows.EnvDeploying))
	queued := start("1.1")
	h.waitForPromotion(queued, 30*time.Second, "1.1 queued", inState(workflows.EnvQueued))
	newer := start("1.2")

	st := h.waitForPromotion(queued, 30*time.Second, "1.1 superseded", promotionDone)
	require.Equal(t, workflows.PromotionStopped, st.Status)
	require.Equal(t, workflows.EnvSuperseded, envOf(st, "shared").State)
	require.Equal(t, "superseded by 1.2", envOf(st, "shared").Detail)
	var deploys []*workflows.StepState
	for _, id := range []string{holder, newer} {
		st := h.waitForPromotion(id, time.Minute, "the end", promotionDone)
		require.Equal(t, workflows.PromotionCompleted, st.Status, id)
		require.Equal(t, workflows.EnvDeployed, envOf(st, "shared").State, id)
		deploys = append(deploys, envOf(st, "shared").Deploy)
	}
	require.False(t, deploys[1].StartedAt.Before(*deploys[0].FinishedAt), "1.2 deployed only once 1.0 had")
}
