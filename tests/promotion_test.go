package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

// releaseTeam: alice triggers; bob and dave release; alice is in release too,
// so that prevent_self_approval is what refuses her.
func releaseTeam(t *testing.T) harnessOption {
	return withUsers(t, map[string][]string{
		"alice": {"release"}, "bob": {"release"}, "dave": {"release"}, "carol": {},
	})
}

func promotionPath(id string) string { return "/api/v1/promotions/" + url.PathEscape(id) }

func (h *harness) promotion(id string) workflows.PromotionState {
	var s workflows.PromotionState
	require.Equal(h.t, http.StatusOK, h.do(http.MethodGet, promotionPath(id), nil, &s))
	return s
}

func (h *harness) waitForPromotion(id string, within time.Duration, what string, cond func(workflows.PromotionState) bool) workflows.PromotionState {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := h.promotion(id)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(s, "", "  ")
			h.t.Fatalf("promotion %s: %s not reached within %s; state:\n%s", id, what, within, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func envOf(s workflows.PromotionState, name string) workflows.EnvironmentState {
	for _, e := range s.Environments {
		if e.Name == name {
			return e
		}
	}
	return workflows.EnvironmentState{}
}

func awaiting(env string) func(workflows.PromotionState) bool {
	return func(s workflows.PromotionState) bool { return envOf(s, env).State == workflows.EnvAwaitingApproval }
}

func promotionDone(s workflows.PromotionState) bool { return s.Status != workflows.PromotionRunning }

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestPromotionThroughTheAPI(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	out := t.TempDir()
	var healthy sync.Map
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		healthy.Store(r.URL.Path, true)
		fmt.Fprintln(w, "ok")
	}))
	defer health.Close()
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(`project: promo-demo
build:
  stages:
    - name: package
      tasks:
        - {name: app, checkout: false, run: "mkdir -p dist && echo 'app v1' > dist/app.txt", artifacts: [{name: app, path: dist/app.txt}]}
promotion:
  environments:
    - name: dev
      branches: [main]
      deploy: {shell: 'cp "$DROVER_ARTIFACTS_DIR/app" %[1]s/dev.txt && echo "::output url=http://dev.example"'}
      verify:
        - http: {url: "%[2]s/healthz", status: 200, within: 10s, interval: 200ms}
    - name: staging
      deploy: {shell: 'echo "$DROVER_VERSION" > %[1]s/staging.txt'}
      verify:
        - bake: 2s
    - name: prod
      approval: {approvers: ["group:release"], required: 2, prevent_self_approval: true}
      deploy: {shell: 'echo "$DROVER_VERSION" > %[1]s/prod.txt'}
`, out, health.URL)})
	h.register("promo-demo", repo, legacyRoles)

	// Building needs a caller; alice's build is promoted once it succeeds.
	require.Equal(t, http.StatusUnauthorized, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main"}, nil))
	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	build := h.waitFor(created.ID, time.Minute, "the end and its promotion", promoted)
	require.Equal(t, workflows.StatusSucceeded, build.Status)
	require.Equal(t, contracts.PromotionID("promo-demo", commit[:12]), build.PromotionID)

	id := build.PromotionID
	st := h.waitForPromotion(id, time.Minute, "prod awaiting approval", awaiting("prod"))
	// A run waiting here for days sees worker upgrades: its history so far
	// is replayed against every later version of the workflow code.
	h.recordHistory(id, st.RunID, "promotion-awaiting-approval")
	require.Equal(t, workflows.EnvDeployed, envOf(st, "dev").State)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "staging").State)
	require.Equal(t, "http://dev.example", envOf(st, "dev").Deploy.Outputs["url"])
	_, checked := healthy.Load("/healthz")
	require.True(t, checked, "the dev health check reached the endpoint")
	dev, err := os.ReadFile(filepath.Join(out, "dev.txt"))
	require.NoError(t, err)
	require.Equal(t, "app v1\n", string(dev), "the deploy got the build's artifact")

	// Bob sees what waits for him; carol does not.
	var approvals struct {
		Approvals []struct {
			PromotionID string `json:"promotion_id"`
			Environment string `json:"environment"`
			Required    int    `json:"required"`
		} `json:"approvals"`
	}
	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodGet, "/api/v1/approvals", nil, &approvals))
	require.Len(t, approvals.Approvals, 1)
	require.Equal(t, "prod", approvals.Approvals[0].Environment)
	require.Equal(t, 2, approvals.Approvals[0].Required)
	require.Equal(t, http.StatusOK, h.doAs("carol", http.MethodGet, "/api/v1/approvals", nil, &approvals))
	require.Empty(t, approvals.Approvals)

	approve := map[string]string{"environment": "prod", "comment": "looks good"}
	var refused apiError
	require.Equal(t, http.StatusUnauthorized, h.do(http.MethodPost, promotionPath(id)+"/approve", approve, nil))
	require.Equal(t, http.StatusForbidden, h.doAs("carol", http.MethodPost, promotionPath(id)+"/approve", approve, &refused))
	require.Contains(t, refused.Error.Message, "not an approver")
	require.Equal(t, http.StatusForbidden, h.doAs("alice", http.MethodPost, promotionPath(id)+"/approve", approve, &refused))
	require.Contains(t, refused.Error.Message, "self-approval")
	require.Equal(t, http.StatusConflict, h.doAs("bob", http.MethodPost, promotionPath(id)+"/approve", map[string]string{"environment": "dev"}, &refused))
	require.Contains(t, refused.Error.Message, "not pending")

	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodPost, promotionPath(id)+"/approve", approve, &res))
	require.Equal(t, 1, res.Approvals)
	require.Equal(t, workflows.GatePending, res.State)
	require.Equal(t, http.StatusConflict, h.doAs("bob", http.MethodPost, promotionPath(id)+"/approve", approve, &refused))
	require.Contains(t, refused.Error.Message, "already decided")
	require.Equal(t, http.StatusOK, h.doAs("dave", http.MethodPost, promotionPath(id)+"/approve", approve, &res))
	require.Equal(t, workflows.GateApproved, res.State)

	st = h.waitForPromotion(id, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "prod").State)
	prod, err := os.ReadFile(filepath.Join(out, "prod.txt"))
	require.NoError(t, err)
	require.Equal(t, commit[:12]+"\n", string(prod))

	// The ledger knows what is where, and who decided.
	var envs struct {
		Environments []struct{ Project, Environment, Version string } `json:"environments"`
	}
	require.Equal(t, http.StatusOK, h.do(http.MethodGet, "/api/v1/environments?project=promo-demo", nil, &envs))
	require.Len(t, envs.Environments, 3)
	for _, e := range envs.Environments {
		require.Equal(t, commit[:12], e.Version, e.Environment)
	}
	decisions, err := h.ledger.ListDecisions(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, decisions, 2)
	require.Equal(t, "bob", decisions[0].Actor)
	require.Equal(t, "dave", decisions[1].Actor)
	require.Equal(t, "api", decisions[0].Channel)
	h.recordHistory(id, st.RunID, "promotion-completed")
}

func TestPromotionsToOneEnvironmentAreSerialised(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	journal := filepath.Join(t.TempDir(), "journal")
	h.register("serial-demo", h.dataDir, legacyRoles)
	definition := fmt.Sprintf(`project: serial-demo
build:
  stages: [{name: s, tasks: [{name: t, run: "true"}]}]
promotion:
  environments:
    - name: shared
      deploy: {shell: 'echo "start $DROVER_VERSION" >> %[1]s; sleep 1; echo "end $DROVER_VERSION" >> %[1]s'}
`, journal)
	var ids []string
	for _, v := range []string{"1.0", "1.1", "1.2"} {
		var started struct{ ID string }
		require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/artifacts", map[string]any{
			"project": "serial-demo", "version": v, "commit": strings.Repeat("a", 40), "definition": definition,
		}, &started))
		ids = append(ids, started.ID)
	}
	for _, id := range ids {
		st := h.waitForPromotion(id, time.Minute, "the end", promotionDone)
		require.Equal(t, workflows.PromotionCompleted, st.Status)
	}
	data, err := os.ReadFile(journal)
	require.NoError(t, err)
	lines := strings.Fields(strings.ReplaceAll(string(data), "\n", " "))
	require.Len(t, lines, 12)
	for i := 0; i < len(lines); i += 4 {
		require.Equal(t, "start", lines[i], "journal: %s", data)
		require.Equal(t, "end", lines[i+2], "journal: %s", data)
		require.Equal(t, lines[i+1], lines[i+3], "a deploy ended before another started: %s", data)
	}
	h.recordHistory(contracts.EnvironmentID("serial-demo", "shared"), "", "environment-fifo")
}

func TestWebhookDeployerFinishesThroughItsCallback(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	calls := make(chan map[string]any, 4)
	deployer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		calls <- body
		w.WriteHeader(http.StatusAccepted)
	}))
	defer deployer.Close()
	h.register("hook-demo", h.dataDir, legacyRoles)
	definition := fmt.Sprintf(`project: hook-demo
build:
  stages: [{name: s, tasks: [{name: t, run: "true"}]}]
promotion:
  environments:
    - name: prod
      deploy: {webhook: {url: "%s/deploy", timeout: 1m}}
`, deployer.URL)
	var started struct{ ID string }
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "hook-demo", "version": "2.0", "commit": strings.Repeat("b", 40), "definition": definition,
	}, &started))
	var call map[string]any
	select {
	case call = <-calls:
	case <-time.After(30 * time.Second):
		t.Fatal("the deployer was never called")
	}
	require.Equal(t, "2.0", call["version"])
	callback, _ := call["callback_url"].(string)
	require.True(t, strings.HasPrefix(callback, h.api.URL+"/api/v1/callbacks/"), callback)
	path := strings.TrimPrefix(callback, h.api.URL)

	require.Equal(t, http.StatusNotFound, h.do(http.MethodPost, "/api/v1/callbacks/not-a-token", map[string]any{"status": "success"}, nil))
	require.Equal(t, http.StatusOK, h.do(http.MethodPost, path, map[string]any{"status": "success", "message": "rolled out", "outputs": map[string]string{"revision": "42"}}, nil))
	require.Equal(t, http.StatusConflict, h.do(http.MethodPost, path, map[string]any{"status": "success"}, nil), "a token works once")

	st := h.waitForPromotion(started.ID, 30*time.Second, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, "42", envOf(st, "prod").Deploy.Outputs["revision"])
	h.recordHistory(started.ID, st.RunID, "promotion-webhook")
}

func TestWorkerKilledWhileAPromotionAwaitsApproval(t *testing.T) {
	h := newHarness(t, false, releaseTeam(t))
	first := h.startWorkerProcess()
	h.register("crash-promo", h.dataDir, legacyRoles)
	definition := `project: crash-promo
build:
  stages: [{name: s, tasks: [{name: t, run: "true"}]}]
promotion:
  environments:
    - name: prod
      approval: {approvers: [bob]}
      deploy: {shell: 'echo deployed'}
`
	var started struct{ ID string }
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "crash-promo", "version": "3.0", "commit": strings.Repeat("c", 40), "definition": definition,
	}, &started))
	h.waitForPromotion(started.ID, 30*time.Second, "prod awaiting approval", awaiting("prod"))
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()

	h.startWorkerProcess()
	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodPost, promotionPath(started.ID)+"/approve", map[string]string{"environment": "prod"}, &res))
	require.Equal(t, workflows.GateApproved, res.State)
	st := h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "prod").State)
}
