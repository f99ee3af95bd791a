package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// againServer has demo versions 1.0 and then 2.0 registered; 2.0 runs in
// prod (after 1.0 did).
func againServer(t *testing.T) (*testServer, []string) {
	t.Helper()
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(promoYAML)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i, v := range []string{"1.0", "2.0"} {
		ts.pledger.versions["demo/"+v] = ledger.ArtifactVersion{Project: "demo", Version: v, Commit: testSHA, Branch: "main",
			CreatedAt: t0.Add(time.Duration(i) * time.Hour)}
	}
	ts.pledger.projects = []ledger.Project{{Name: "demo", Repository: testRepo}}
	ts.pledger.envs = []ledger.EnvironmentStatus{{Project: "demo", Environment: "prod", Version: "2.0", PromotionID: "promote/demo/2.0"}}
	ts.pledger.history = []ledger.Deployment{
		{PromotionID: "promote/demo/2.0", Project: "demo", Environment: "prod", Version: "2.0", Result: ledger.ResultDeployed},
		{PromotionID: "promote/demo/1.0", Project: "demo", Environment: "prod", Version: "1.0", Result: ledger.ResultDeployed},
	}
	return ts, []string{"Authorization", "Bearer " + bobToken}
}

func TestPromoteAgainIsARedeploy(t *testing.T) {
	ts, auth := againServer(t)
	rec := ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "2.0"}`, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "promote/demo/2.0", decodeBody[PromotionStartedResponse](t, rec.Body.Bytes()).ID)

	// While it runs, asking again finds it.
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "2.0"}`, auth...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	// Once it has ended, the version is promoted again, as a new linked run.
	st := ts.promotions.states["promote/demo/2.0"]
	st.Status = workflows.PromotionCompleted
	ts.promotions.states["promote/demo/2.0"] = st
	body := `{"project": "demo", "version": "2.0", "reason": "config drift", "request_id": "again-1"}`
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", body, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "promote/demo/2.0/redeploy-again-1", decodeBody[PromotionStartedResponse](t, rec.Body.Bytes()).ID)
	in := ts.promotions.started[len(ts.promotions.started)-1]
	require.Equal(t, contracts.KindRedeploy, in.Kind)
	require.Equal(t, "promote/demo/2.0", in.Of)
	require.Equal(t, "config drift", in.Reason)
	require.Len(t, in.Environments, 2, "the whole pipeline again")
	// The same request id finds the run it started.
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", body, auth...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	// A redeploy to one environment.
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "2.0", "environment": "prod", "request_id": "p-1"}`, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	in = ts.promotions.started[len(ts.promotions.started)-1]
	require.Equal(t, contracts.KindRedeploy, in.Kind)
	require.Len(t, in.Environments, 1)
	require.Equal(t, "prod", in.Environments[0].Name)
	require.NotNil(t, in.Environments[0].Approval, "through prod's gates")

	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "2.0", "environment": "qa"}`, auth...)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	require.Equal(t, `project demo has no environment "qa"`, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
}

func TestAnOlderVersionNeedsARollback(t *testing.T) {
	ts, auth := againServer(t)
	rec := ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0", "environment": "prod"}`, auth...)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, "version 1.0 is older than 2.0, which prod runs")
	require.Empty(t, ts.promotions.started)

	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0", "environment": "prod", "rollback": true}`, auth...)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Equal(t, "a rollback needs a reason", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)

	rec = ts.do(t, http.MethodPost, "/api/v1/promotions",
		`{"project": "demo", "version": "1.0", "environment": "prod", "rollback": true, "reason": "2.0 leaks memory", "request_id": "rb-1"}`, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "promote/demo/1.0/rollback-rb-1", decodeBody[PromotionStartedResponse](t, rec.Body.Bytes()).ID)
	in := ts.promotions.started[0]
	require.Equal(t, contracts.KindRollback, in.Kind)
	require.Equal(t, "2.0 leaks memory", in.Reason)
	require.Equal(t, "bob", in.TriggeredBy)
}

func TestRollbackAnEnvironment(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		history    []ledger.Deployment
		status     int
		version    string
		message    string
	}{
		{name: "to the version before", body: `{"reason": "2.0 leaks memory"}`, status: 202, version: "1.0"},
		{name: "to a named version", body: `{"to": "1.0", "reason": "r"}`, status: 202, version: "1.0"},
		{name: "a version never deployed there", body: `{"to": "0.5", "reason": "r"}`, status: 404,
			message: "version 0.5 was never deployed there"},
		{name: "the version running", body: `{"to": "2.0", "reason": "r"}`, status: 409,
			message: "2.0 runs there already; to deploy it again, redeploy it"},
		{name: "no reason", body: `{}`, status: 400, message: "a rollback needs a reason"},
		{name: "nothing earlier", body: `{"reason": "r"}`, status: 409,
			history: []ledger.Deployment{{PromotionID: "promote/demo/2.0", Version: "2.0", Result: ledger.ResultDeployed}},
			message: "no earlier version was deployed there: nothing to roll back to"},
		{name: "a failed deploy is no target", body: `{"reason": "r"}`, status: 202, version: "1.0",
			history: []ledger.Deployment{
				{PromotionID: "promote/demo/2.0", Version: "2.0", Result: ledger.ResultDeployed},
				{PromotionID: "promote/demo/1.5", Version: "1.5", Result: "failed"},
				{PromotionID: "promote/demo/1.0", Version: "1.0", Result: ledger.ResultDeployed}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts, auth := againServer(t)
			if tt.history != nil {
				ts.pledger.history = tt.history
			}
			rec := ts.do(t, http.MethodPost, "/api/v1/environments/demo/prod/rollback", tt.body, auth...)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status != 202 {
				require.Equal(t, tt.message, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
				require.Empty(t, ts.promotions.started)
				return
			}
			in := ts.promotions.started[0]
			require.Equal(t, tt.version, in.Version)
			require.Equal(t, contracts.KindRollback, in.Kind)
			require.Equal(t, "promote/demo/2.0", in.Of, "it undoes the deployment running now")
			require.Len(t, in.Environments, 1)
		})
	}
}

func TestRollbackNeedsThePromoteRole(t *testing.T) {
	ts, _ := authzServer(t) // carol holds no role on demo; bob (release) promotes it
	rec := ts.do(t, http.MethodPost, "/api/v1/environments/demo/prod/rollback", `{"reason": "r"}`, "Authorization", "Bearer carol-token")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Equal(t, "carol lacks role promote on project demo", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
	rec = ts.do(t, http.MethodPost, "/api/v1/environments/demo/prod/rollback", `{"reason": "r"}`)
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
}

// The history page offers promoters a Roll back form for each earlier
// version; it starts a rollback run as the API does, and refuses others.
func TestRollbackFromTheHistoryPage(t *testing.T) {
	ts, _ := authzServer(t)
	again, _ := againServer(t)
	ts.pledger, ts.PromotionLedger = again.pledger, again.pledger
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(promoYAML)
	srv := httptestServer(t, ts.Handler())
	history := "/environments/demo/prod"

	alice := newPageClient(t, srv) // builds demo, may not promote it
	alice.signIn("alice-token")
	status, body := alice.get(history)
	require.Equal(t, http.StatusOK, status, body)
	require.NotContains(t, body, "Roll back to")
	status, body = alice.post("/ui/environments/demo/prod/rollback", url.Values{"to": {"1.0"}, "reason": {"r"}})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "alice lacks role promote on project demo")

	bob := newPageClient(t, srv)
	bob.signIn("bob-token")
	_, body = bob.get(history)
	require.Contains(t, body, `<summary class="button">Roll back to 1.0…</summary>`)
	require.NotContains(t, body, "Roll back to 2.0", "2.0 runs there now")
	require.Equal(t, 1, strings.Count(body, `<span class="status s-deployed">now</span>`), "one row is what runs now")
	status, body = bob.post("/ui/environments/demo/prod/rollback", url.Values{"to": {"1.0"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "A rollback needs a reason.")
	status, _ = bob.post("/ui/environments/demo/prod/rollback", url.Values{"to": {"1.0"}, "reason": {"2.0 leaks memory"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Len(t, ts.promotions.started, 1)
	in := ts.promotions.started[0]
	require.Equal(t, contracts.KindRollback, in.Kind)
	require.Equal(t, "1.0", in.Version)
	require.Equal(t, "bob", in.TriggeredBy)
	require.Equal(t, "2.0 leaks memory", in.Reason)
}

// An ended promotion's page offers promoters Deploy again…, which starts a
// linked redeploy run (of one environment, when chosen) and shows it as such.
func TestRedeployFromThePromotionPage(t *testing.T) {
	ts, _ := authzServer(t)
	again, _ := againServer(t)
	ts.pledger, ts.PromotionLedger = again.pledger, again.pledger
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(promoYAML)
	ts.promotions.states["promote/demo/2.0"] = workflows.PromotionState{ID: "promote/demo/2.0", Project: "demo", Version: "2.0",
		Status: workflows.PromotionCompleted, Environments: []workflows.EnvironmentState{{Name: "dev"}, {Name: "prod"}}}
	srv := httptestServer(t, ts.Handler())
	page := "/promotions/promote%2Fdemo%2F2.0"

	alice := newPageClient(t, srv)
	alice.signIn("alice-token")
	_, body := alice.get(page)
	require.NotContains(t, body, "Deploy again…", "alice may not promote demo")

	bob := newPageClient(t, srv)
	bob.signIn("bob-token")
	_, body = bob.get(page)
	require.Contains(t, body, `<summary class="button">Deploy again…</summary>`)
	status, body := bob.post("/ui/promotions/promote%2Fdemo%2F2.0/redeploy", url.Values{"environment": {"prod"}, "reason": {"config drift"}})
	require.Equal(t, http.StatusSeeOther, status, body)
	require.Len(t, ts.promotions.started, 1)
	in := ts.promotions.started[0]
	require.Equal(t, contracts.KindRedeploy, in.Kind)
	require.Equal(t, "prod", in.Environments[0].Name)
	require.Equal(t, "config drift", in.Reason)

	// The new run's page says what it is.
	id := in.WorkflowID()
	ts.promotions.states[id] = workflows.PromotionState{ID: id, Project: "demo", Version: "2.0", Status: workflows.PromotionRunning,
		Kind: in.Kind, Reason: in.Reason, Of: in.Of}
	_, body = bob.get("/promotions/" + url.PathEscape(id))
	require.Contains(t, body, `redeploy after <a href="/promotions/promote%2Fdemo%2F2.0">promote/demo/2.0</a>: <q>config drift</q>`)

	// An older version than prod's is refused with the reason.
	ts.promotions.states["promote/demo/1.0"] = workflows.PromotionState{ID: "promote/demo/1.0", Project: "demo", Version: "1.0",
		Status: workflows.PromotionCompleted}
	status, body = bob.post("/ui/promotions/promote%2Fdemo%2F1.0/redeploy", url.Values{"environment": {"prod"}})
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "version 1.0 is older than 2.0, which prod runs")
}
