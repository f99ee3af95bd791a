package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/ledger/ledgertest"
)

var approvalsStart = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

func samplePending(id, env string, wait time.Duration) ledger.PendingApproval {
	return ledger.PendingApproval{
		PromotionID: id, RunID: "run-1", Project: "demo", Version: "1.2.0", Commit: "0123abc", Branch: "main",
		TriggeredBy: "dave", Environment: env, Approvers: []string{"alice", "group:release"}, Required: 2,
		WaitingSince: approvalsStart.Add(wait), Deadline: approvalsStart.Add(wait + 72*time.Hour),
		Earlier:   []ledger.EnvironmentResult{{Environment: "dev", State: "deployed"}},
		UpdatedAt: approvalsStart.Add(wait),
	}
}

func TestPendingApprovalsPutListDelete(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		ctx := context.Background()
		older := samplePending("promote/demo/1", "prod", 0)
		newer := samplePending("promote/demo/2", "staging", time.Hour)
		newer.Earlier, newer.Commit = nil, ""
		require.NoError(t, l.PutPendingApproval(ctx, newer))
		require.NoError(t, l.PutPendingApproval(ctx, older))

		got, err := l.ListPendingApprovals(ctx)
		require.NoError(t, err)
		require.Equal(t, []ledger.PendingApproval{older, newer}, got, "oldest wait first, lists round-trip")

		approved := older
		approved.ApprovedBy, approved.UpdatedAt = []string{"bob"}, approvalsStart.Add(2*time.Hour)
		require.NoError(t, l.PutPendingApproval(ctx, approved), "a second put replaces the row")
		got, err = l.ListPendingApprovals(ctx)
		require.NoError(t, err)
		require.Equal(t, []ledger.PendingApproval{approved, newer}, got)

		require.NoError(t, l.DeletePendingApproval(ctx, "promote/demo/1", "prod"))
		require.NoError(t, l.DeletePendingApproval(ctx, "promote/demo/1", "prod"), "delete is idempotent")
		require.NoError(t, l.DeletePendingApproval(ctx, "promote/demo/2", "prod"), "only the environment named")
		got, err = l.ListPendingApprovals(ctx)
		require.NoError(t, err)
		require.Equal(t, []ledger.PendingApproval{newer}, got)
	})
}

func TestPendingApprovalsEmptyList(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		got, err := l.ListPendingApprovals(context.Background())
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Empty(t, got)
	})
}

func TestPutPendingApprovalValidates(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		for name, change := range map[string]func(*ledger.PendingApproval){
			"no promotion":   func(p *ledger.PendingApproval) { p.PromotionID = "" },
			"no run":         func(p *ledger.PendingApproval) { p.RunID = "" },
			"no environment": func(p *ledger.PendingApproval) { p.Environment = "" },
		} {
			p := samplePending("promote/demo/1", "prod", 0)
			change(&p)
			require.Error(t, l.PutPendingApproval(context.Background(), p), name)
		}
		got, err := l.ListPendingApprovals(context.Background())
		require.NoError(t, err)
		require.Empty(t, got)
	})
}

func TestPutPendingApprovalStampsUpdatedAt(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		p := samplePending("promote/demo/1", "prod", 0)
		p.UpdatedAt = time.Time{}
		before := time.Now().Add(-time.Minute)
		require.NoError(t, l.PutPendingApproval(context.Background(), p))
		got, err := l.ListPendingApprovals(context.Background())
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.True(t, got[0].UpdatedAt.After(before), "a zero UpdatedAt is stamped with the ledger's clock")
	})
}

func TestCountPendingApprovalsByProjectAndEnvironment(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		ctx := context.Background()
		got, err := l.CountPendingApprovals(ctx)
		require.NoError(t, err)
		require.Equal(t, []ledger.WaitingCount{}, got, "none waiting")

		for i, g := range []struct{ project, id, env string }{
			{"web", "promote/web/1", "prod"}, {"demo", "promote/demo/1", "prod"},
			{"demo", "promote/demo/2", "prod"}, {"demo", "promote/demo/2", "staging"},
			{"demo", "promote/demo/3", "prod"},
		} {
			p := samplePending(g.id, g.env, time.Duration(i)*time.Minute)
			p.Project = g.project
			require.NoError(t, l.PutPendingApproval(ctx, p))
		}
		again := samplePending("promote/demo/1", "prod", time.Hour)
		again.ApprovedBy = []string{"bob"}
		require.NoError(t, l.PutPendingApproval(ctx, again), "a gate put again is counted once")

		got, err = l.CountPendingApprovals(ctx)
		require.NoError(t, err)
		require.Equal(t, []ledger.WaitingCount{
			{Project: "demo", Environment: "prod", Waiting: 3},
			{Project: "demo", Environment: "staging", Waiting: 1},
			{Project: "web", Environment: "prod", Waiting: 1},
		}, got)

		require.NoError(t, l.DeletePendingApproval(ctx, "promote/web/1", "prod"))
		got, err = l.CountPendingApprovals(ctx)
		require.NoError(t, err)
		require.Equal(t, []ledger.WaitingCount{
			{Project: "demo", Environment: "prod", Waiting: 3},
			{Project: "demo", Environment: "staging", Waiting: 1},
		}, got, "a decided gate is no longer counted")
	})
}

func TestPendingApprovalsOfAProjectsVersions(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		ctx := context.Background()
		var put []ledger.PendingApproval
		for i, g := range []struct{ project, version, env string }{
			{"demo", "1.0", "prod"}, {"demo", "1.1", "staging"}, {"demo", "1.1", "prod"},
			{"demo", "1.2", "prod"}, {"web", "1.1", "prod"},
		} {
			p := samplePending("promote/"+g.project+"/"+g.version, g.env, time.Duration(i)*time.Minute)
			p.Project, p.Version = g.project, g.version
			require.NoError(t, l.PutPendingApproval(ctx, p))
			put = append(put, p)
		}
		got, err := l.PendingApprovalsOf(ctx, "demo", []string{"1.1", "1.0", "9.9"})
		require.NoError(t, err)
		require.Equal(t, put[:3], got, "the project's gates of those versions, oldest wait first")
		got, err = l.PendingApprovalsOf(ctx, "web", []string{"1.1"})
		require.NoError(t, err)
		require.Equal(t, put[4:], got)
		got, err = l.PendingApprovalsOf(ctx, "demo", nil)
		require.NoError(t, err)
		require.Empty(t, got)
	})
}
