package api

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
)

// ListPendingApprovals returns the fake's pending approval gates.
func (f *fakePromotionLedger) ListPendingApprovals(context.Context) ([]ledger.PendingApproval, error) {
	f.pendingN++
	return f.pending, f.pendingErr
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

func TestPendingFor(t *testing.T) {
	rows := []ledger.PendingApproval{
		pendingRow("1", 2*time.Hour, 1, []string{"alice"}),
		pendingRow("2", time.Hour, 2, []string{"bob", "group:release"}, "bob"),
		pendingRow("3", 0, 1, []string{"bob"}),                     // not alice's
		pendingRow("4", 0, 2, []string{"group:release"}, "alice"),  // alice approved already
		pendingRow("6", 0, 1, []string{"release"}),                 // a user named release, not the group
		pendingRow("7", 3*time.Hour, 0, []string{"group:release"}), // required 0 shows as 1
	}
	got := pendingFor(identity.User{Name: "alice", Groups: []string{"release"}}, rows)
	require.Len(t, got, 3)
	since, deadline := p0.Add(time.Hour), p0.Add(72*time.Hour)
	require.Equal(t, Approval{PromotionID: "promote/demo/2", Project: "demo", Version: "2", Commit: "abc", Branch: "main",
		TriggeredBy: "carol", Environment: "prod", WaitingSince: &since, Deadline: &deadline, Approvals: 1, Required: 2,
		Approvers: []string{"bob", "group:release"},
		Earlier:   []EnvironmentResult{{Environment: "dev", State: "deployed"}, {Environment: "staging", State: "skipped"}}}, got[0], "the oldest wait comes first")
	require.Equal(t, "promote/demo/1", got[1].PromotionID)
	require.Equal(t, "promote/demo/7", got[2].PromotionID)
	require.Equal(t, 1, got[2].Required)

	require.Empty(t, pendingFor(identity.User{Name: "dave"}, rows))
	require.Empty(t, pendingFor(identity.User{}, rows), "an anonymous caller decides nothing")
	require.Len(t, pendingFor(identity.User{Name: "bob"}, rows), 1, "bob approved 2 already; 3 waits for him")
}

func TestListApprovals(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	row := pendingRow("1", 0, 1, []string{"group:release"})
	row.Earlier = nil
	ts.pledger.pending = []ledger.PendingApproval{row}
	rec := ts.do(t, http.MethodGet, "/api/v1/approvals", "", "Authorization", "Bearer "+aliceToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	resp := decodeBody[ApprovalsResponse](t, rec.Body.Bytes())
	require.Len(t, resp.Approvals, 1)
	require.Equal(t, "http://drover.test/api/v1/promotions/promote%2Fdemo%2F1", resp.Approvals[0].URL)
	require.Equal(t, []EnvironmentResult{}, resp.Approvals[0].Earlier)
	require.Equal(t, "carol", resp.Approvals[0].TriggeredBy)

	rec = ts.do(t, http.MethodGet, "/api/v1/approvals", "", "Authorization", "Bearer "+bobToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"approvals": []}`, rec.Body.String())
	require.Equal(t, 2, ts.pledger.pendingN, "one ledger query per request")
}

func TestListApprovalsLedgerFails(t *testing.T) {
	ts := newTestServer()
	ts.pledger.pendingErr = errors.New("database is locked")
	rec := ts.do(t, http.MethodGet, "/api/v1/approvals", "", UserHeader, "alice")
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
}
