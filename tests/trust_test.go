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

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// trustTeam: alice builds, bob and dave release, carol builds only, erin
// administers; mallory is in no role at all.
func trustTeam(t *testing.T) harnessOption {
	return withUsers(t, map[string][]string{
		"alice": {"dev"}, "bob": {"release"}, "dave": {"release"}, "carol": {}, "erin": {}, "mallory": {},
	})
}

// trustRoles is the registration of the projects of these tests: prod is
// protected (two release approvals, main only), reads are private.
const trustRoles = `    roles:
      build: ["group:dev", carol]
      promote: ["group:release"]
      admin: [erin]
    environments:
      - name: prod
        approvers: ["group:release"]
        required: 2
        prevent_self_approval: true
        branches: [main]
`

// gatelessDefinition is a drover.yaml whose author removed prod's approval
// gate and opened prod to every branch.
func gatelessDefinition(project, out string) string {
	return fmt.Sprintf(`project: %s
build:
  stages: [{name: s, tasks: [{name: t, checkout: false, run: "true"}]}]
promotion:
  environments:
    - name: prod
      branches: ["*"]
      approval: {approvers: [mallory, alice], required: 1}
      deploy: {shell: 'echo "$DROVER_VERSION" > %s/prod.txt'}
`, project, out)
}

func auditOf(t *testing.T, h *harness, project string) []ledger.AuditEntry {
	t.Helper()
	var resp struct {
		Entries []ledger.AuditEntry `json:"entries"`
	}
	require.Equal(t, http.StatusOK, h.doAs("erin", http.MethodGet, "/api/v1/audit?project="+project, nil, &resp))
	return resp.Entries
}

func requireAudited(t *testing.T, entries []ledger.AuditEntry, actor, action, reason string) {
	t.Helper()
	for _, e := range entries {
		if e.Actor == actor && e.Action == action && strings.Contains(e.Reason, reason) {
			require.Equal(t, ledger.AuditRefused, e.Outcome)
			require.NotZero(t, e.At)
			return
		}
	}
	t.Fatalf("no audit entry of %s %s %q in %+v", actor, action, reason, entries)
}

// TestCommitCannotRemoveItsRegisteredGate: a commit that deletes prod's
// gate, widens its branches and names its own approvers is built and
// promoted; prod still waits for two registered release approvers.
func TestCommitCannotRemoveItsRegisteredGate(t *testing.T) {
	h := newHarness(t, true, trustTeam(t))
	out := t.TempDir()
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": gatelessDefinition("gated", out)})
	h.register("gated", repo, trustRoles)

	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	var build workflows.BuildState
	deadline := time.Now().Add(time.Minute)
	for build.PromotionID == "" || build.Status == workflows.StatusRunning {
		require.True(t, time.Now().Before(deadline), "build not promoted: %+v", build)
		require.Equal(t, http.StatusOK, h.doAs("alice", http.MethodGet, buildPath(created.ID), nil, &build))
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, workflows.StatusSucceeded, build.Status)
	require.Equal(t, contracts.PromotionID("gated", commit[:12]), build.PromotionID)

	// Private reads: nothing without a token, nothing for mallory.
	var e apiError
	require.Equal(t, http.StatusUnauthorized, h.do(http.MethodGet, promotionPath(build.PromotionID), nil, &e))
	require.Equal(t, http.StatusForbidden, h.doAs("mallory", http.MethodGet, promotionPath(build.PromotionID), nil, &e))
	require.Equal(t, "mallory lacks role build on project gated", e.Error.Message)
	require.Equal(t, http.StatusUnauthorized, h.do(http.MethodGet, buildPath(created.ID), nil, nil))

	var st workflows.PromotionState
	deadline = time.Now().Add(time.Minute)
	for envOf(st, "prod").State != workflows.EnvAwaitingApproval {
		require.True(t, time.Now().Before(deadline), "prod not awaiting approval: %+v", st)
		require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodGet, promotionPath(build.PromotionID), nil, &st))
		time.Sleep(100 * time.Millisecond)
	}
	prod := envOf(st, "prod")
	require.Len(t, prod.Gates, 1)
	require.Equal(t, []string{"group:release"}, prod.Gates[0].Approvers, "the commit cannot name its approvers")
	require.Equal(t, 2, prod.Gates[0].Required, "the commit cannot lower required")
	origin := map[string]string{}
	for _, r := range prod.Rules {
		origin[r.Rule] = r.Origin
	}
	require.Equal(t, map[string]string{"approvers": pipeline.OriginRegistration, "required": pipeline.OriginRegistration,
		"prevent_self_approval": pipeline.OriginRegistration, "branches": pipeline.OriginRegistration}, origin)

	// mallory and alice, named by the commit, may not approve; one release
	// approval is not enough.
	require.Equal(t, http.StatusForbidden, h.doAs("mallory", http.MethodPost, promotionPath(build.PromotionID)+"/approve",
		map[string]string{"environment": "prod"}, &e))
	require.Equal(t, "mallory lacks role promote on project gated", e.Error.Message)
	require.Equal(t, http.StatusForbidden, h.doAs("alice", http.MethodPost, promotionPath(build.PromotionID)+"/approve",
		map[string]string{"environment": "prod"}, &e))
	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodPost, promotionPath(build.PromotionID)+"/approve",
		map[string]string{"environment": "prod"}, &res))
	require.Equal(t, workflows.GatePending, res.State)
	_, err := os.Stat(filepath.Join(out, "prod.txt"))
	require.ErrorIs(t, err, os.ErrNotExist, "prod is not deployed on one approval")
	require.Equal(t, http.StatusOK, h.doAs("dave", http.MethodPost, promotionPath(build.PromotionID)+"/approve",
		map[string]string{"environment": "prod"}, &res))
	require.Equal(t, workflows.GateApproved, res.State)
	deadline = time.Now().Add(time.Minute)
	for st.Status == workflows.PromotionRunning {
		require.True(t, time.Now().Before(deadline), "promotion not done: %+v", st)
		require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodGet, promotionPath(build.PromotionID), nil, &st))
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, workflows.PromotionCompleted, st.Status)

	entries := auditOf(t, h, "gated")
	requireAudited(t, entries, "mallory", "approve", "mallory lacks role promote on project gated")
	requireAudited(t, entries, "mallory", "read", "mallory lacks role build on project gated")
}

// TestRefusedAttempts: every way around the registration is refused with
// a 4xx and recorded in the audit.
func TestRefusedAttempts(t *testing.T) {
	h := newHarness(t, false, trustTeam(t)) // no worker: builds stay running
	out := t.TempDir()
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": gatelessDefinition("guarded", out)})
	h.register("guarded", repo, trustRoles)
	foreign, foreignCommit := gitRepo(t, map[string]string{"drover.yaml": gatelessDefinition("guarded", out)})
	strangerRepo, _ := gitRepo(t, map[string]string{"drover.yaml": gatelessDefinition("stranger", out)})
	var e apiError

	// A definition posted by a non-admin, through both routes.
	require.Equal(t, http.StatusForbidden, h.doAs("bob", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "guarded", "version": "1.0", "commit": commit, "branch": "main",
		"definition": gatelessDefinition("guarded", out)}, &e))
	require.Equal(t, "bob lacks role admin on project guarded", e.Error.Message)
	require.Equal(t, http.StatusForbidden, h.doAs("mallory", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "guarded", "version": "1.0", "commit": commit, "branch": "main",
		"definition": gatelessDefinition("guarded", out)}, &e))

	// A version of an unregistered project, or of a foreign repository.
	require.Equal(t, http.StatusForbidden, h.doAs("bob", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "stranger", "version": "1.0", "commit": commit, "repository": strangerRepo}, &e))
	require.Equal(t, "project stranger is not registered", e.Error.Message)
	require.Equal(t, http.StatusForbidden, h.doAs("bob", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "guarded", "version": "1.1", "commit": foreignCommit, "branch": "main", "repository": foreign}, &e))
	require.Contains(t, e.Error.Message, "is not registered for project guarded")
	require.Equal(t, http.StatusForbidden, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": foreign, "commit": "main"}, &e))
	require.Contains(t, e.Error.Message, "is not registered for any project")
	require.Equal(t, http.StatusForbidden, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": "/etc", "commit": "main"}, &e), "no server path is read")

	// An admin's definition still meets the registration.
	var started struct{ ID string }
	require.Equal(t, http.StatusAccepted, h.doAs("erin", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "guarded", "version": "2.0", "commit": commit, "branch": "main", "repository": repo,
		"definition": gatelessDefinition("guarded", out)}, &started))
	require.Equal(t, contracts.PromotionID("guarded", "2.0"), started.ID)
	// And through POST /api/v1/promotions: a definition only from an admin,
	// and even an admin's only of a registered repository.
	require.Equal(t, http.StatusForbidden, h.doAs("bob", http.MethodPost, "/api/v1/promotions", map[string]any{
		"project": "guarded", "version": "2.0", "definition": gatelessDefinition("guarded", out)}, &e))
	require.Equal(t, "bob lacks role admin on project guarded", e.Error.Message)
	require.Equal(t, http.StatusForbidden, h.doAs("erin", http.MethodPost, "/api/v1/promotions", map[string]any{
		"project": "guarded", "version": "2.0", "repository": foreign, "definition": gatelessDefinition("guarded", out)}, &e))
	require.Equal(t, "repository "+foreign+" is not registered for project guarded", e.Error.Message)
	// Nor can anyone but a promoter cancel it.
	require.Equal(t, http.StatusForbidden, h.doAs("carol", http.MethodPost, promotionPath(started.ID)+"/cancel", nil, &e))
	require.Equal(t, "carol lacks role promote on project guarded", e.Error.Message)

	// A user without the role cannot cancel another's build.
	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	require.Equal(t, http.StatusForbidden, h.doAs("mallory", http.MethodPost, buildPath(created.ID)+"/cancel", nil, &e))
	require.Equal(t, "mallory lacks role build on project guarded", e.Error.Message)
	require.Equal(t, http.StatusUnauthorized, h.do(http.MethodPost, buildPath(created.ID)+"/cancel", nil, nil))
	require.Equal(t, http.StatusAccepted, h.doAs("carol", http.MethodPost, buildPath(created.ID)+"/cancel", nil, nil))

	// Lists leave out what the caller may not read.
	var builds struct {
		Builds []struct{ ID string } `json:"builds"`
	}
	require.Equal(t, http.StatusOK, h.doAs("mallory", http.MethodGet, "/api/v1/builds", nil, &builds))
	require.Empty(t, builds.Builds)

	// The audit is for admins.
	require.Equal(t, http.StatusForbidden, h.doAs("bob", http.MethodGet, "/api/v1/audit?project=guarded", nil, &e))
	entries := auditOf(t, h, "guarded")
	requireAudited(t, entries, "bob", "register", "bob lacks role admin on project guarded")
	requireAudited(t, entries, "mallory", "register", "mallory lacks role admin on project guarded")
	requireAudited(t, entries, "bob", "register", "is not registered for project guarded")
	requireAudited(t, entries, "bob", "promote", "bob lacks role admin on project guarded")
	requireAudited(t, entries, "erin", "promote", "is not registered for project guarded")
	requireAudited(t, entries, "mallory", "cancel", "mallory lacks role build on project guarded")
	requireAudited(t, entries, "carol", "cancel", "carol lacks role promote on project guarded")
	// Refusals about unregistered projects are for the global admins (of
	// the projects file) to read; the ledger has them.
	stranger, err := h.ledger.ListAudit(context.Background(), ledger.AuditQuery{Project: "stranger"})
	require.NoError(t, err)
	requireAudited(t, stranger, "bob", "register", "project stranger is not registered")
}

// TestWebhooksAndBranchesOfRegisteredProjects: a signed webhook of an
// unregistered project or a foreign repository is refused; the webhook
// secret comes from the variable the registration names; a build that
// claims a branch its commit is not on is refused.
func TestWebhooksAndBranchesOfRegisteredProjects(t *testing.T) {
	const secret = "hook-secret-of-guarded"
	t.Setenv("TRUST_GUARDED_HOOK", secret)
	h := newHarness(t, false, trustTeam(t), func(s *api.Server) {
		s.HookSecrets = map[string]string{api.HookEnvSuffix("stranger"): "stranger-secret"}
	})
	out := t.TempDir()
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": gatelessDefinition("guarded", out)})
	h.register("guarded", repo, "    hook_secret_env: TRUST_GUARDED_HOOK\n"+trustRoles)
	foreign, foreignCommit := gitRepo(t, map[string]string{"drover.yaml": gatelessDefinition("guarded", out)})
	strangerRepo, strangerCommit := gitRepo(t, map[string]string{"drover.yaml": gatelessDefinition("stranger", out)})
	var e apiError

	require.Equal(t, http.StatusForbidden, h.postHook("stranger", "gitea", giteaPush(t, strangerRepo, strangerCommit), "stranger-secret", &e))
	require.Equal(t, "project stranger is not registered", e.Error.Message)
	require.Equal(t, http.StatusForbidden, h.postHook("guarded", "gitea", giteaPush(t, foreign, foreignCommit), secret, &e))
	require.Contains(t, e.Error.Message, "is not registered for project guarded")
	require.Equal(t, http.StatusUnauthorized, h.postHook("guarded", "gitea", giteaPush(t, repo, commit), "wrong", &e))
	var created createResp
	require.Equal(t, http.StatusAccepted, h.postHook("guarded", "gitea", giteaPush(t, repo, commit), secret, &created))
	require.Equal(t, contracts.BuildID("guarded", commit), created.ID)

	// A feature commit claimed to be on main.
	git(t, repo, "checkout", "-q", "-b", "feature")
	feature := commitFiles(t, repo, map[string]string{"feature.txt": "new\n"})
	require.Equal(t, http.StatusForbidden, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": feature, "branch": "main"}, &e))
	require.Equal(t, fmt.Sprintf("commit %s is not on branch main of %s", feature, repo), e.Error.Message)
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": feature, "branch": "feature"}, &created))

	entries := auditOf(t, h, "guarded")
	requireAudited(t, entries, "anonymous", "webhook", "is not registered for project guarded")
	requireAudited(t, entries, "alice", "build", "is not on branch main")
}
