package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// fakeAudit records audit entries in memory.
type fakeAudit struct {
	mu      sync.Mutex
	entries []ledger.AuditEntry
}

func (f *fakeAudit) RecordAudit(_ context.Context, e ledger.AuditEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, e)
	return nil
}

func (f *fakeAudit) ListAudit(_ context.Context, q ledger.AuditQuery) ([]ledger.AuditEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ledger.AuditEntry
	for i := len(f.entries) - 1; i >= 0; i-- {
		if q.Project == "" || f.entries[i].Project == q.Project {
			out = append(out, f.entries[i])
		}
	}
	return out, nil
}

// Tokens of authzIdentity: "<name>-token".
func authzIdentity(t *testing.T) *identity.Directory {
	t.Helper()
	var users string
	for name, groups := range map[string]string{"alice": "[dev]", "bob": "[release]", "carol": "[]", "erin": "[]", "root": "[]"} {
		users += "  - {name: " + name + ", token_sha256: \"" + identity.HashToken(name+"-token") + "\", groups: " + groups + "}\n"
	}
	d, err := identity.Parse("identity.yaml", []byte("users:\n"+users))
	require.NoError(t, err)
	return d
}

func authzServer(t *testing.T) (*testServer, *fakeAudit) {
	t.Helper()
	ts := newTestServer()
	ts.Identity = authzIdentity(t)
	r, err := registry.Parse("projects.yaml", []byte(`admins: [root]
projects:
  - name: demo
    paths: ["`+testRepo+`"]
    roles: {build: ["group:dev"], promote: ["group:release"], admin: [erin]}
  - name: open
    paths: [/srv/repos/open]
    reads: public
`))
	require.NoError(t, err)
	audit := &fakeAudit{}
	ts.Registry, ts.Audit = r, audit
	return ts, audit
}

func TestRolesOnStateChangingRoutes(t *testing.T) {
	ts, audit := authzServer(t)
	ts.promotions.result = workflows.DecisionResult{Environment: "prod", State: workflows.GateApproved}
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(promoYAML)
	otherSHA := strings.Repeat("e", 40)
	ts.source.refs[testRepo+"@other"] = otherSHA
	ts.source.files[testRepo+"@"+otherSHA+":drover.yaml"] = []byte(strings.Replace(goodYAML, "project: demo", "project: open", 1))
	build := "/api/v1/builds/build%2Fdemo%2F" + testSHA
	ts.promotions.states["promote/demo/1.0"] = workflows.PromotionState{ID: "promote/demo/1.0", Status: workflows.PromotionRunning}
	ts.builds.states["build/demo/"+testSHA] = workflows.BuildState{ID: "build/demo/" + testSHA, Status: workflows.StatusRunning}
	for _, tt := range []struct {
		name, user, method, path, body string
		status                         int
		message                        string
	}{
		{"cancel without a role", "carol", http.MethodPost, build + "/cancel", "", 403, "carol lacks role build on project demo"},
		{"cancel with build", "alice", http.MethodPost, build + "/cancel", "", 202, ""},
		{"cancel by a promoter", "bob", http.MethodPost, build + "/cancel", "", 202, ""},
		{"cancel without a token", "", http.MethodPost, build + "/cancel", "", 401, ""},
		{"approve with build only", "alice", http.MethodPost, promoPath + "/approve", `{"environment": "prod"}`, 403,
			"alice lacks role promote on project demo"},
		{"approve with promote", "bob", http.MethodPost, promoPath + "/approve", `{"environment": "prod"}`, 200, ""},
		{"skip bake without promote", "carol", http.MethodPost, promoPath + "/skip-bake", `{"environment": "prod", "reason": "x"}`, 403,
			"carol lacks role promote on project demo"},
		{"cancel promotion without promote", "alice", http.MethodPost, promoPath + "/cancel", "", 403,
			"alice lacks role promote on project demo"},
		{"cancel promotion as admin", "erin", http.MethodPost, promoPath + "/cancel", "", 202, ""},
		{"definition by a promoter", "bob", http.MethodPost, "/api/v1/artifacts",
			`{"project": "demo", "version": "9", "commit": "` + testSHA + `", "definition": ` + jsonString(promoYAML) + `}`, 403,
			"bob lacks role admin on project demo"},
		{"definition by an admin", "erin", http.MethodPost, "/api/v1/artifacts",
			`{"project": "demo", "version": "9", "commit": "` + testSHA + `", "definition": ` + jsonString(promoYAML) + `}`, 202, ""},
		{"unregistered project", "root", http.MethodPost, "/api/v1/artifacts",
			`{"project": "nope", "version": "9", "commit": "` + testSHA + `", "definition": ` + jsonString(promoYAML) + `}`, 403,
			"project nope is not registered"},
		{"foreign repository", "erin", http.MethodPost, "/api/v1/artifacts",
			`{"project": "demo", "version": "9", "commit": "main", "repository": "/srv/repos/evil"}`, 403,
			"repository /srv/repos/evil is not registered for project demo"},
		{"build of an unregistered repository", "alice", http.MethodPost, "/api/v1/builds",
			`{"repository": "/etc", "commit": "main"}`, 403, "repository /etc is not registered for any project"},
		{"build of a repository as another project", "alice", http.MethodPost, "/api/v1/builds",
			`{"repository": "` + testRepo + `", "commit": "other"}`, 403, "repository /srv/repos/demo is not registered for project open"},
		{"build without the role", "carol", http.MethodPost, "/api/v1/builds",
			`{"repository": "` + testRepo + `", "commit": "main"}`, 403, "carol lacks role build on project demo"},
		{"private read without a token", "", http.MethodGet, promoPath, "", 401, ""},
		{"private read without a role", "carol", http.MethodGet, build, "", 403, "carol lacks role build on project demo"},
		{"public read without a token", "", http.MethodGet, "/api/v1/environments/open/prod/history", "", 200, ""},
		{"audit by a non-admin", "bob", http.MethodGet, "/api/v1/audit?project=demo", "", 403, "bob lacks role admin on project demo"},
		{"audit of all by a project admin", "erin", http.MethodGet, "/api/v1/audit", "", 403, "erin is not a global admin"},
		{"audit by an admin", "erin", http.MethodGet, "/api/v1/audit?project=demo", "", 200, ""},
		{"audit by a global admin", "root", http.MethodGet, "/api/v1/audit", "", 200, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.user != "" {
				header = []string{"Authorization", "Bearer " + tt.user + "-token"}
			}
			rec := ts.do(t, tt.method, tt.path, tt.body, header...)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.message != "" {
				require.Contains(t, rec.Body.String(), tt.message)
			}
		})
	}
	reasons := map[string]bool{}
	for _, e := range audit.entries {
		reasons[e.Actor+": "+e.Reason] = true
		require.Equal(t, ledger.AuditRefused, e.Outcome)
		require.NotEmpty(t, e.Action)
	}
	for _, want := range []string{
		"carol: carol lacks role build on project demo",
		"alice: alice lacks role promote on project demo",
		"bob: bob lacks role admin on project demo",
		"root: project nope is not registered",
		"erin: repository /srv/repos/evil is not registered for project demo",
		"alice: repository /etc is not registered for any project",
	} {
		require.True(t, reasons[want], "audited %q in %v", want, reasons)
	}
	require.Len(t, ts.builds.canceled, 2, "only the allowed cancels reach Temporal")
	require.Equal(t, []string{"promote/demo/1.0"}, ts.promotions.canceled)
	require.Len(t, ts.promotions.decisions, 1, "only bob's approval reaches the promotion")
}

func TestNothingProtectedWithoutFiles(t *testing.T) {
	ts := newTestServer()
	ts.builds.states["build/anything/abc"] = workflows.BuildState{ID: "build/anything/abc", Status: workflows.StatusRunning}
	rec := ts.do(t, http.MethodPost, "/api/v1/builds/build%2Fanything%2Fabc/cancel", "")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	rec = ts.do(t, http.MethodGet, "/api/v1/audit", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

func TestIdentityWithoutProjectsFileRefusesEveryProject(t *testing.T) {
	ts := newTestServer()
	ts.Identity = authzIdentity(t)
	rec := ts.do(t, http.MethodPost, "/api/v1/builds/build%2Fdemo%2Fabc/cancel", "", "Authorization", "Bearer alice-token")
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Contains(t, rec.Body.String(), "set DROVER_PROJECTS_FILE")
}

func TestProtectionAppliedWhereverAPromotionStarts(t *testing.T) {
	ts, _ := authzServer(t)
	r, err := registry.Parse("projects.yaml", []byte(`projects:
  - name: demo
    paths: ["`+testRepo+`"]
    roles: {build: ["group:dev"], promote: ["group:release"], admin: [erin]}
    environments:
      - {name: prod, approvers: [bob], required: 2, branches: [main]}
`))
	require.NoError(t, err)
	ts.Registry = r
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(promoYAML)
	gateless := strings.Replace(promoYAML, `      approval: {approvers: [alice, "group:release"]}
`, "", 1)
	gone := strings.Replace(promoYAML, "    - name: prod\n", "    - name: production\n", 1)

	prodOf := func(envs []pipeline.Environment) pipeline.Environment {
		for _, e := range envs {
			if e.Name == "prod" {
				return e
			}
		}
		t.Fatalf("no prod in %+v", envs)
		return pipeline.Environment{}
	}
	requireProtected := func(t *testing.T, prod pipeline.Environment) {
		t.Helper()
		require.NotNil(t, prod.Approval)
		require.Equal(t, []string{"bob"}, prod.Approval.Approvers)
		require.Equal(t, 2, prod.Approval.Required)
		require.Equal(t, []string{"main"}, prod.Branches)
		require.NotEmpty(t, prod.Rules)
	}
	// What the promotion runs is its plan: compiled from the protected environments.
	requirePlanProtected := func(t *testing.T, plan *pipeline.PromotionPlan) {
		t.Helper()
		require.NotNil(t, plan)
		prod := plan.Environments[plan.Index("prod")]
		require.Equal(t, &pipeline.PlanApproval{Approvers: []string{"bob"}, Required: 2,
			PreventSelfApproval: prod.Approval.PreventSelfApproval, Timeout: prod.Approval.Timeout}, prod.Approval)
		require.Equal(t, []string{"main"}, prod.Branches)
	}

	// A build: its promotion is fixed in the build's input.
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main"}`,
		"Authorization", "Bearer alice-token")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	requireProtected(t, prodOf(ts.builds.started[0].Promotion.Environments))
	requirePlanProtected(t, ts.builds.started[0].PromotionPlan)

	// An admin's definition without the gate.
	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", `{"project": "demo", "version": "9", "commit": "`+testSHA+
		`", "branch": "main", "repository": "`+testRepo+`", "definition": `+jsonString(gateless)+`}`, "Authorization", "Bearer erin-token")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	requireProtected(t, prodOf(ts.promotions.started[0].Environments))
	requirePlanProtected(t, ts.promotions.started[0].Plan)

	// A promotion of that version again, from the repository.
	ts.pledger.versions["demo/11"] = ledger.ArtifactVersion{Project: "demo", Version: "11", Commit: testSHA, Branch: "main"}
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "11", "repository": "`+testRepo+`"}`,
		"Authorization", "Bearer bob-token")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	requireProtected(t, prodOf(ts.promotions.started[1].Environments))
	requirePlanProtected(t, ts.promotions.started[1].Plan)

	// A definition that leaves out the protected environment.
	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", `{"project": "demo", "version": "10", "commit": "`+testSHA+
		`", "definition": `+jsonString(gone)+`}`, "Authorization", "Bearer erin-token")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "leaves out environment prod")
	require.Len(t, ts.promotions.started, 2)
}

// branchSource is a fakeSource that knows which commits are on which branches.
type branchSource struct {
	*fakeSource
	on map[string]bool // "repo@commit@branch"
}

func (b branchSource) OnBranch(_ context.Context, repository, commit, branch string) (bool, error) {
	return b.on[repository+"@"+commit+"@"+branch], nil
}

// TestDefinitionsByHandMeetTheRegistration: a definition posted by hand
// comes only from an admin, and still from a registered repository, at a
// commit on the branch the version claims.
func TestDefinitionsByHandMeetTheRegistration(t *testing.T) {
	offMain := strings.Repeat("d", 40)
	def := jsonString(promoYAML)
	for _, tt := range []struct {
		name, user, path, body string
		status                 int
		message                string
	}{
		{"promotion definition by a promoter", "bob", "/api/v1/promotions",
			`{"project": "demo", "version": "11", "definition": ` + def + `}`, 403, "bob lacks role admin on project demo"},
		{"promotion definition of a foreign repository", "erin", "/api/v1/promotions",
			`{"project": "demo", "version": "11", "repository": "/srv/repos/evil", "definition": ` + def + `}`, 403,
			"repository /srv/repos/evil is not registered for project demo"},
		{"promotion definition of the registered repository", "erin", "/api/v1/promotions",
			`{"project": "demo", "version": "11", "repository": "` + testRepo + `", "definition": ` + def + `}`, 202, ""},
		{"promotion definition without a repository", "erin", "/api/v1/promotions",
			`{"project": "demo", "version": "12", "definition": ` + def + `}`, 202, ""},
		{"version definition at a commit off the claimed branch", "erin", "/api/v1/artifacts",
			`{"project": "demo", "version": "20", "commit": "` + offMain + `", "branch": "main", "repository": "` + testRepo +
				`", "definition": ` + def + `}`, 403, "commit " + offMain + " is not on branch main of " + testRepo},
		{"version definition claiming a branch without a repository", "erin", "/api/v1/artifacts",
			`{"project": "demo", "version": "21", "commit": "` + testSHA + `", "branch": "main", "definition": ` + def + `}`, 400,
			"version 21 claims branch main: give the repository its commit is on"},
		{"version definition of a foreign repository", "erin", "/api/v1/artifacts",
			`{"project": "demo", "version": "22", "commit": "` + testSHA + `", "branch": "main", "repository": "/srv/repos/evil", "definition": ` + def + `}`, 403,
			"repository /srv/repos/evil is not registered for project demo"},
		{"version definition at a commit on the claimed branch", "erin", "/api/v1/artifacts",
			`{"project": "demo", "version": "23", "commit": "` + testSHA + `", "branch": "main", "repository": "` + testRepo +
				`", "definition": ` + def + `}`, 202, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts, audit := authzServer(t)
			ts.Source = branchSource{fakeSource: ts.source, on: map[string]bool{testRepo + "@" + testSHA + "@main": true}}
			for _, v := range []string{"11", "12"} {
				ts.pledger.versions["demo/"+v] = ledger.ArtifactVersion{Project: "demo", Version: v, Commit: testSHA, Branch: "main"}
			}
			rec := ts.do(t, http.MethodPost, tt.path, tt.body, "Authorization", "Bearer "+tt.user+"-token")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status >= 400 {
				require.Equal(t, tt.message, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
				require.Empty(t, ts.promotions.started, "a refused definition starts nothing")
				if tt.status == http.StatusForbidden {
					require.Len(t, audit.entries, 1, "a refusal is audited")
					require.Equal(t, tt.message, audit.entries[0].Reason)
				}
				return
			}
			require.Len(t, ts.promotions.started, 1)
		})
	}
}

// TestTaskLogReadsFollowTheProjectsReadRule: a public project's logs are
// open to any authenticated caller, a private project's need a role; both
// need a token (401 without).
func TestTaskLogReadsFollowTheProjectsReadRule(t *testing.T) {
	ts, _ := authzServer(t)
	for _, project := range []string{"demo", "open"} {
		st := logState(workflows.TaskBuilding)
		st.ID = "build/" + project + "/abc"
		ts.builds.set(st)
		ts.logs.append(logstore.TaskKey(st.ID, "r1", "verify", "unit"), project+" log\n")
	}
	for _, tt := range []struct {
		name, user, project string
		status              int
	}{
		{"public without a token", "", "open", 401},
		{"public with a token, without a role", "carol", "open", 200},
		{"public with a bad token", "mallory", "open", 401},
		{"private without a token", "", "demo", 401},
		{"private without a role", "carol", "demo", 403},
		{"private with build", "alice", "demo", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.user != "" {
				header = []string{"Authorization", "Bearer " + tt.user + "-token"}
			}
			rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2F"+tt.project+"%2Fabc/tasks/verify/unit/log", "", header...)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status == 200 {
				require.Equal(t, tt.project+" log\n", rec.Body.String())
			}
		})
	}
}
