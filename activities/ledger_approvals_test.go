package activities_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/ledger/ledgertest"
)

func (f failingRecorder) PutPendingApproval(context.Context, ledger.PendingApproval) error {
	return f.err
}
func (f failingRecorder) DeletePendingApproval(context.Context, string, string) error { return f.err }

func TestLedgerPendingApprovalActivities(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		a := &activities.LedgerActivities{Ledger: l}
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		p := ledger.PendingApproval{PromotionID: "promote/foas/1.2.0", RunID: "run-1", Project: "foas",
			Version: "1.2.0", Environment: "prod", Approvers: []string{"alice", "group:release"}, Required: 2,
			ApprovedBy: []string{"bob"}, WaitingSince: start, Deadline: start.Add(72 * time.Hour),
			Earlier: []ledger.EnvironmentResult{{Environment: "staging", State: "deployed"}}, UpdatedAt: start.Add(time.Hour)}
		require.NoError(t, executeByName(t, a, "PutPendingApproval", p))
		got, err := l.ListPendingApprovals(context.Background())
		require.NoError(t, err)
		require.Equal(t, []ledger.PendingApproval{p}, got, "the gate goes through the data converter intact")

		del := activities.DeletePendingApprovalInput{PromotionID: p.PromotionID, Environment: "prod"}
		require.NoError(t, executeByName(t, a, "DeletePendingApproval", del))
		require.NoError(t, executeByName(t, a, "DeletePendingApproval", del), "a retried delete succeeds")
		got, err = l.ListPendingApprovals(context.Background())
		require.NoError(t, err)
		require.Empty(t, got)
	})
}

func TestLedgerPendingApprovalActivitiesReportFailures(t *testing.T) {
	a := &activities.LedgerActivities{Ledger: failingRecorder{err: errors.New("database is locked")}}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"PutPendingApproval", ledger.PendingApproval{PromotionID: "promote/foas/1", Environment: "prod"},
			"put pending approval of promote/foas/1/prod"},
		{"DeletePendingApproval", activities.DeletePendingApprovalInput{PromotionID: "promote/foas/1", Environment: "prod"},
			"delete pending approval of promote/foas/1/prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := executeByName(t, a, tt.name, tt.in)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			require.Contains(t, err.Error(), "database is locked")
		})
	}
}
