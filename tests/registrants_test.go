package tests

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
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
	require.Equal(t, "self-approval: alice is credited with this version (registered an artifact, pushed its commit or triggered an earlier run)", refused.Error.Message)
	require.Equal(t, http.StatusForbidden, h.doAs("bob", http.MethodPost, promotionPath(started.ID)+"/approve", approve, &refused))
	require.Equal(t, "self-approval: bob triggered this version", refused.Error.Message)
	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("dave", http.MethodPost, promotionPath(started.ID)+"/approve", approve, &res))
	require.Equal(t, workflows.GateApproved, res.State)

	st := h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "prod").State)
}

// TestPusherIsRefusedSelfApproval: alice pushes; GitHub's webhook builds
// her commit, triggered by "github:alice", and the build promotes it. With
// prevent_self_approval, alice (Drover's user of that name) may not approve
// it; bob may.
func TestPusherIsRefusedSelfApproval(t *testing.T) {
	h, repo, commit, secret := gatedPushProject(t, "pushed-demo")
	status, body := pushHook(t, h, "pushed-demo", secret, repo, commit, "alice", "change")
	require.Equal(t, http.StatusAccepted, status, "body: %s", body)
	var created createResp
	require.NoError(t, json.Unmarshal(body, &created))

	build := h.waitFor(created.ID, time.Minute, "the end and its promotion", promoted)
	require.Equal(t, "github:alice", build.TriggeredBy)
	refusedThenApproved(t, h, build.PromotionID, "bob", [2]string{"alice", "self-approval: alice triggered this version as github:alice"})
}

// TestSkippedPusherIsRefusedSelfApproval: alice pushes a commit whose push
// builds nothing ("[skip ci]"); bob then builds it through the API. The
// build is bob's, but alice pushed its commit: with prevent_self_approval
// neither may approve its promotion; dave may.
func TestSkippedPusherIsRefusedSelfApproval(t *testing.T) {
	h, repo, commit, secret := gatedPushProject(t, "skipped-demo")
	status, body := pushHook(t, h, "skipped-demo", secret, repo, commit, "alice", "wip [skip ci]")
	require.Equal(t, http.StatusOK, status, "body: %s", body)
	require.Contains(t, string(body), `"skipped"`)

	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("bob", http.MethodPost, "/api/v1/builds",
		map[string]string{"repository": repo, "commit": commit, "branch": "main"}, &created))
	build := h.waitFor(created.ID, time.Minute, "the end and its promotion", promoted)
	require.Equal(t, "bob", build.TriggeredBy)
	refusedThenApproved(t, h, build.PromotionID, "dave",
		[2]string{"alice", "self-approval: alice is credited with this version (registered an artifact, pushed its commit or triggered an earlier run)"},
		[2]string{"bob", "self-approval: bob triggered this version"})
}

// gatedPushProject registers project, whose one-task build promotes to
// prod behind an approval of the release group with prevent_self_approval,
// with a webhook secret; it returns the harness, the repository, its
// commit and the secret.
func gatedPushProject(t *testing.T, project string) (*harness, string, string, string) {
	secret := project + "-hook-secret"
	h := newHarness(t, true, releaseTeam(t), func(s *api.Server) {
		s.HookSecrets = map[string]string{api.HookEnvSuffix(project): secret}
	})
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": "project: " + project + `
build:
  stages: [{name: s, tasks: [{name: t, checkout: false, run: "true"}]}]
promotion:
  environments:
    - name: prod
      approval: {approvers: ["group:release"], required: 1, prevent_self_approval: true}
      deploy: {shell: "true"}
`})
	h.register(project, repo, legacyRoles)
	return h, repo, commit, secret
}

// refusedThenApproved waits for promotion id to await prod's approval,
// has each refused user (with the refusal's message) try to approve it,
// then approver, and waits for it to complete.
func refusedThenApproved(t *testing.T, h *harness, id, approver string, refused ...[2]string) {
	t.Helper()
	st := h.waitForPromotion(id, time.Minute, "prod awaiting approval", awaiting("prod"))
	approve := map[string]string{"environment": "prod"}
	for _, r := range refused {
		var refusal apiError
		require.Equal(t, http.StatusForbidden, h.doAs(r[0], http.MethodPost, promotionPath(st.ID)+"/approve", approve, &refusal))
		require.Equal(t, r[1], refusal.Error.Message)
	}
	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs(approver, http.MethodPost, promotionPath(st.ID)+"/approve", approve, &res))
	require.Equal(t, workflows.GateApproved, res.State)
	st = h.waitForPromotion(st.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
}

// pushHook delivers GitHub's signed push of commit to main of repo by
// pusher, with the head commit's message, to project's webhook; it returns
// the answer's status and body.
func pushHook(t *testing.T, h *harness, project, secret, repo, commit, pusher, message string) (int, []byte) {
	t.Helper()
	payload, err := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": "0000000000000000000000000000000000000001", "after": commit,
		"repository":  map[string]any{"name": project, "full_name": "team/" + project, "clone_url": repo},
		"pusher":      map[string]any{"name": pusher, "email": pusher + "@example.com"},
		"head_commit": map[string]any{"id": commit, "message": message, "modified": []string{"drover.yaml"}},
	})
	require.NoError(t, err)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	req, err := http.NewRequest(http.MethodPost, h.api.URL+"/api/v1/hooks/"+project+"/github", bytes.NewReader(payload))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}
