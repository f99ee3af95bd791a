package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/ledger/ledgertest"
	"github.com/drover-ci/drover/registry"
)

// PendingApprovalsOf returns the fake's pending approval gates of
// project's versions.
func (f *fakePromotionLedger) PendingApprovalsOf(_ context.Context, project string, versions []string) ([]ledger.PendingApproval, error) {
	var out []ledger.PendingApproval
	for _, p := range f.pending {
		if p.Project == project && slices.Contains(versions, p.Version) {
			out = append(out, p)
		}
	}
	return out, f.pendingErr
}

// CountPendingApprovals counts the fake's pending approval gates by project
// and environment, in that order.
func (f *fakePromotionLedger) CountPendingApprovals(context.Context) ([]ledger.WaitingCount, error) {
	if f.pendingErr != nil {
		return nil, f.pendingErr
	}
	var out []ledger.WaitingCount
	for _, p := range f.pending {
		i, found := slices.BinarySearchFunc(out, p, func(c ledger.WaitingCount, p ledger.PendingApproval) int {
			return cmp.Or(cmp.Compare(c.Project, p.Project), cmp.Compare(c.Environment, p.Environment))
		})
		if !found {
			out = slices.Insert(out, i, ledger.WaitingCount{Project: p.Project, Environment: p.Environment})
		}
		out[i].Waiting++
	}
	return out, nil
}

// PendingApprovalsPage records q and answers it from the real ledger paged
// (every row of pending, unfiltered, without one).
func (f *fakePromotionLedger) PendingApprovalsPage(ctx context.Context, q ledger.PendingApprovalQuery) (ledger.PendingApprovalPage, error) {
	f.queries = append(f.queries, q)
	if f.pendingErr != nil {
		return ledger.PendingApprovalPage{}, f.pendingErr
	}
	if f.paged != nil {
		return f.paged.PendingApprovalsPage(ctx, q)
	}
	return ledger.PendingApprovalPage{Approvals: f.pending, Total: len(f.pending)}, nil
}

// pendingRow is demo's version waiting for approvers in prod since p0+since.
func pendingRow(version string, since time.Duration, required int, approvers []string, approvedBy ...string) ledger.PendingApproval {
	return ledger.PendingApproval{
		PromotionID: "promote/demo/" + version, RunID: "r" + version, Project: "demo", Version: version,
		Commit: "abc", Branch: "main", TriggeredBy: "carol", Environment: "prod",
		Approvers: approvers, Required: required, ApprovedBy: approvedBy,
		WaitingSince: p0.Add(since), Deadline: p0.Add(72 * time.Hour),
		Earlier: []ledger.EnvironmentResult{{Environment: "dev", State: "deployed"}, {Environment: "staging", State: "skipped"}},
	}
}

// approvalsServer is a test server whose approvals come from a real SQLite
// ledger holding rows, with the identity file of testIdentity and projects
// demo (bob builds it, alice administers it), open (public reads, nobody's)
// and secret (nobody's, private); rows of gone are of no registered project.
func approvalsServer(t *testing.T, rows ...ledger.PendingApproval) *testServer {
	t.Helper()
	ts := newTestServer()
	ts.Identity = testIdentity()
	reg, err := registry.Parse("projects.yaml", []byte("projects:\n"+
		"  - {name: demo, paths: [\""+testRepo+"\"], roles: {build: [bob], promote: [bob], admin: [alice]}}\n"+
		"  - {name: open, paths: [/srv/open], reads: public}\n"+
		"  - {name: secret, paths: [/srv/secret]}\n"))
	require.NoError(t, err)
	ts.Registry = reg
	ts.pledger.paged = ledgertest.Open(t, ledgertest.SQLiteDSN(t))
	for _, r := range rows {
		require.NoError(t, ts.pledger.paged.PutPendingApproval(context.Background(), r))
	}
	return ts
}

func listApprovalsAs(t *testing.T, ts *testServer, token, query string) ApprovalsResponse {
	t.Helper()
	rec := ts.do(t, http.MethodGet, "/api/v1/approvals"+query, "", "Authorization", "Bearer "+token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return decodeBody[ApprovalsResponse](t, rec.Body.Bytes())
}

func ids(list []Approval) []string {
	out := []string{}
	for _, a := range list {
		out = append(out, a.PromotionID)
	}
	return out
}

func TestListApprovalsMine(t *testing.T) {
	ts := approvalsServer(t,
		pendingRow("1", 2*time.Hour, 1, []string{"alice"}),
		pendingRow("2", time.Hour, 2, []string{"bob", "group:release"}, "bob"),
		pendingRow("3", 0, 1, []string{"bob"}),                     // not alice's
		pendingRow("4", 0, 2, []string{"group:release"}, "alice"),  // alice approved already
		pendingRow("6", 0, 1, []string{"release"}),                 // a user named release, not the group
		pendingRow("7", 3*time.Hour, 0, []string{"group:release"}), // required 0 shows as 1
	)
	resp := listApprovalsAs(t, ts, aliceToken, "")
	require.Equal(t, []string{"promote/demo/2", "promote/demo/1", "promote/demo/7"}, ids(resp.Approvals), "alice's, oldest wait first")
	require.Equal(t, 3, resp.Total)
	require.Empty(t, resp.Next)
	since, deadline := p0.Add(time.Hour), p0.Add(72*time.Hour)
	require.Equal(t, Approval{PromotionID: "promote/demo/2", URL: "http://drover.test/api/v1/promotions/promote%2Fdemo%2F2",
		Project: "demo", Version: "2", Commit: "abc", Branch: "main",
		TriggeredBy: "carol", Environment: "prod", WaitingSince: &since, Deadline: &deadline, Approvals: 1, Required: 2,
		Approvers: []string{"bob", "group:release"},
		Earlier:   []EnvironmentResult{{Environment: "dev", State: "deployed"}, {Environment: "staging", State: "skipped"}}}, resp.Approvals[0])
	require.Equal(t, 1, resp.Approvals[2].Required)

	resp = listApprovalsAs(t, ts, bobToken, "")
	require.Equal(t, []string{"promote/demo/3"}, ids(resp.Approvals), "bob approved 2 already; 3 waits for him")

	resp = listApprovalsAs(t, ts, bobToken, "?mine=false")
	require.Len(t, resp.Approvals, 6, "mine=false: every gate of the projects bob reads")
	require.Equal(t, 6, resp.Total)
}

func TestListApprovalsPages(t *testing.T) {
	var rows []ledger.PendingApproval
	for i := range 7 {
		rows = append(rows, pendingRow(fmt.Sprint(i), time.Duration(i)*time.Minute, 1, []string{"alice"}))
	}
	rows[3].Environment = "staging"
	ts := approvalsServer(t, rows...)
	var got []string
	query := "?limit=3"
	for range 5 {
		resp := listApprovalsAs(t, ts, aliceToken, query)
		require.Equal(t, 7, resp.Total, "every page counts them all")
		require.LessOrEqual(t, len(resp.Approvals), 3)
		got = append(got, ids(resp.Approvals)...)
		if resp.Next == "" {
			break
		}
		query = "?limit=3&after=" + url.QueryEscape(resp.Next)
	}
	require.Equal(t, []string{"promote/demo/0", "promote/demo/1", "promote/demo/2", "promote/demo/3",
		"promote/demo/4", "promote/demo/5", "promote/demo/6"}, got)

	resp := listApprovalsAs(t, ts, aliceToken, "?environment=staging")
	require.Equal(t, []string{"promote/demo/3"}, ids(resp.Approvals))
	require.Equal(t, 1, resp.Total)
	resp = listApprovalsAs(t, ts, aliceToken, "?project=other")
	require.Empty(t, resp.Approvals)
	require.Zero(t, resp.Total)
	require.JSONEq(t, `{"approvals": [], "total": 0}`,
		ts.do(t, http.MethodGet, "/api/v1/approvals?project=other", "", "Authorization", "Bearer "+aliceToken).Body.String(),
		"no next on the last page; the approvals field as before")

	q := ts.pledger.queries[len(ts.pledger.queries)-1]
	require.Equal(t, DefaultApprovalsLimit, q.Limit, "a page of the default size without ?limit=")
}

func TestListApprovalsBadRequests(t *testing.T) {
	ts := approvalsServer(t)
	for _, query := range []string{"?limit=0", "?limit=501", "?limit=x", "?after=junk", "?after=e30", "?mine=perhaps"} {
		rec := ts.do(t, http.MethodGet, "/api/v1/approvals"+query, "", "Authorization", "Bearer "+aliceToken)
		require.Equal(t, http.StatusBadRequest, rec.Code, query+": "+rec.Body.String())
	}
	require.Empty(t, ts.pledger.queries, "nothing read for a bad request")
	listApprovalsAs(t, ts, aliceToken, "?limit=500")
}

func TestListApprovalsOnlyReadableProjects(t *testing.T) {
	row := func(project, version string) ledger.PendingApproval {
		r := pendingRow(version, 0, 1, []string{"bob", "alice"})
		r.Project, r.PromotionID = project, "promote/"+project+"/"+version
		return r
	}
	ts := approvalsServer(t, row("demo", "1"), row("open", "1"), row("secret", "1"), row("gone", "1"))
	// bob builds demo and reads open (public); secret is private and gone unregistered,
	// even though both name him an approver.
	resp := listApprovalsAs(t, ts, bobToken, "")
	require.Equal(t, []string{"promote/demo/1", "promote/open/1"}, ids(resp.Approvals))
	require.Equal(t, 2, resp.Total, "the total counts only what the caller may read")
	resp = listApprovalsAs(t, ts, bobToken, "?mine=false&project=secret")
	require.Empty(t, resp.Approvals)
	require.Zero(t, resp.Total)
	q := ts.pledger.queries[0]
	require.ElementsMatch(t, []string{"demo", "open"}, q.Projects, "the readable set goes to the ledger, not a filter after it")

	// Without an identity file every project is read (local development).
	ts.Identity = nil
	rec := ts.do(t, http.MethodGet, "/api/v1/approvals", "", UserHeader, "bob")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Len(t, decodeBody[ApprovalsResponse](t, rec.Body.Bytes()).Approvals, 4)
	require.Nil(t, ts.pledger.queries[len(ts.pledger.queries)-1].Projects)
}

func TestListApprovalsLedgerFails(t *testing.T) {
	ts := newTestServer()
	ts.pledger.pendingErr = errors.New("database is locked")
	rec := ts.do(t, http.MethodGet, "/api/v1/approvals", "", UserHeader, "alice")
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
}

func TestApprovalsPageQueue(t *testing.T) {
	row := func(project, version string, since time.Duration) ledger.PendingApproval {
		r := pendingRow(version, since, 1, []string{"bob"})
		r.Project, r.PromotionID = project, "promote/"+project+"/"+version
		return r
	}
	var rows []ledger.PendingApproval
	for i := range webApprovalsPage + 1 {
		rows = append(rows, row("demo", fmt.Sprint(i), time.Duration(i)*time.Second))
	}
	ts := approvalsServer(t, append(rows, row("secret", "1", 0))...)
	queue := pageApprovals{s: ts.Server}
	bob := identity.User{Name: "bob"}
	page, err := queue.Waiting(context.Background(), bob, "")
	require.NoError(t, err)
	require.Len(t, page.Approvals, webApprovalsPage, "the first page")
	require.Equal(t, "promote/demo/0", page.Approvals[0].PromotionID, "secret is not bob's to read")
	require.Equal(t, webApprovalsPage+1, page.Total)
	require.NotEmpty(t, page.Next)
	page, err = queue.Waiting(context.Background(), bob, page.Next)
	require.NoError(t, err)
	require.Len(t, page.Approvals, 1)
	require.Empty(t, page.Next)

	_, err = queue.Waiting(context.Background(), bob, "junk")
	require.ErrorIs(t, err, web.ErrBadCursor)
}
