package tests

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

// TestPromotionTypesGateTheirEnvironments: environments that use the
// promotion types of drover.yaml (DeployDB's manual and status-check) get
// their gates end to end: integ's status-check calls the real health
// endpoint, prod waits for the manual type's approval before deploying.
func TestPromotionTypesGateTheirEnvironments(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	var checks atomic.Int32
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healhcheck" {
			checks.Add(1)
		}
		fmt.Fprintln(w, "ok")
	}))
	defer health.Close()
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(`project: foas
build:
  stages:
    - name: package
      tasks: [{name: app, checkout: false, run: "true"}]
promotion:
  types:
    manual:
      approval: {approvers: ["group:release"], required: 1}
    status-check:
      verify:
        - http: {url: "%[1]s/healhcheck", within: 15s, interval: 200ms}
  environments:
    - name: integ
      uses: [status-check]
      deploy: {shell: "true"}
    - name: prod
      uses: [manual, status-check]
      deploy: {shell: "true"}
`, health.URL)})
	h.register("foas", repo, legacyRoles)

	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	build := h.waitFor(created.ID, time.Minute, "the end and its promotion", promoted)
	id := build.PromotionID

	st := h.waitForPromotion(id, time.Minute, "prod awaiting approval", awaiting("prod"))
	integ := envOf(st, "integ")
	require.Equal(t, workflows.EnvDeployed, integ.State)
	require.Len(t, integ.Verify, 1)
	require.Equal(t, "status-check", integ.Verify[0].From)
	require.Equal(t, int32(1), checks.Load(), "integ's status-check reached the endpoint; prod's has not run yet")
	require.Equal(t, "manual", envOf(st, "prod").Gates[0].From)

	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodPost, promotionPath(id)+"/approve", map[string]string{"environment": "prod"}, &res))
	require.Equal(t, workflows.GateApproved, res.State)
	st = h.waitForPromotion(id, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "prod").State)
	require.Equal(t, int32(2), checks.Load(), "prod's status-check ran after its deploy")
}
