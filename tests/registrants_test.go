package tests

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/workflows"
)

// TestEveryRegistrantIsRefusedSelfApproval: alice and bob register the two
// artifacts of a version apart; bob's registration completes it and starts
// its promotion. With prevent_self_approval neither may approve it: bob
// triggered it, and alice registered an artifact of it. Dave, who did
// neither, may.
func TestEveryRegistrantIsRefusedSelfApproval(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": `project: parts-demo
build:
  stages: [{name: s, tasks: [{name: t, run: "true"}]}]
promotion:
  artifacts: [api, web]
  environments:
    - name: prod
      approval: {approvers: ["group:release"], required: 1, prevent_self_approval: true}
      deploy: {shell: "true"}
`})
	h.register("parts-demo", repo, legacyRoles)
	register := func(who, name string) rest.PromotionStartedResponse {
		t.Helper()
		var started rest.PromotionStartedResponse
		require.Equal(t, http.StatusAccepted, h.doAs(who, http.MethodPost, "/api/v1/artifacts", map[string]any{
			"project": "parts-demo", "version": "1.0", "commit": commit, "branch": "main", "repository": repo,
			"artifacts": []map[string]any{{"name": name, "url": "https://artifacts.example.com/" + name + ".tgz"}},
		}, &started))
		return started
	}
	require.Equal(t, []string{"web"}, register("alice", "api").Missing)
	started := register("bob", "web")
	require.NotEmpty(t, started.ID)
	h.waitForPromotion(started.ID, time.Minute, "prod awaiting approval", awaiting("prod"))

	approve := map[string]string{"environment": "prod"}
	var refused apiError
	require.Equal(t, http.StatusForbidden, h.doAs("alice", http.MethodPost, promotionPath(started.ID)+"/approve", approve, &refused))
	require.Equal(t, "self-approval: alice registered an artifact of this version", refused.Error.Message)
	require.Equal(t, http.StatusForbidden, h.doAs("bob", http.MethodPost, promotionPath(started.ID)+"/approve", approve, &refused))
	require.Equal(t, "self-approval: bob triggered this version", refused.Error.Message)
	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("dave", http.MethodPost, promotionPath(started.ID)+"/approve", approve, &res))
	require.Equal(t, workflows.GateApproved, res.State)

	st := h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "prod").State)
}
