package ledger_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/ledger/ledgertest"
)

// pageRows puts gates of demo and web in prod and staging, some with the
// same wait, and returns their promotion/environment keys in page order.
func pageRows(t *testing.T, l *ledger.Ledger) []string {
	t.Helper()
	ctx := context.Background()
	var want []string
	for i := range 12 {
		project, env := "demo", "prod"
		if i%3 == 1 {
			project = "web"
		}
		if i%2 == 1 {
			env = "staging"
		}
		// Two gates per wait: the order falls back to promotion id, then environment.
		p := samplePending(fmt.Sprintf("promote/%s/%02d", project, 11-i), env, time.Duration(i/2)*time.Minute)
		p.Project = project
		switch i % 4 {
		case 0:
			p.Approvers = []string{"alice"}
		case 1:
			p.Approvers = []string{"bob", "group:release"}
		case 2:
			p.Approvers = []string{"group:release"}
			p.ApprovedBy = []string{"alice"}
		case 3:
			p.Approvers = []string{"group:ops", "carol"}
		}
		require.NoError(t, l.PutPendingApproval(ctx, p))
	}
	got, err := l.ListPendingApprovals(ctx)
	require.NoError(t, err)
	for _, p := range got {
		want = append(want, p.PromotionID+" "+p.Environment)
	}
	return want
}

func keys(list []ledger.PendingApproval) []string {
	out := []string{}
	for _, p := range list {
		out = append(out, p.PromotionID+" "+p.Environment)
	}
	return out
}

// allPages follows the cursor from the first page to the last and returns
// the keys of every page and the totals they reported.
func allPages(t *testing.T, l *ledger.Ledger, q ledger.PendingApprovalQuery) ([][]string, []int) {
	t.Helper()
	var pages [][]string
	var totals []int
	for range 50 {
		page, err := l.PendingApprovalsPage(context.Background(), q)
		require.NoError(t, err)
		pages, totals = append(pages, keys(page.Approvals)), append(totals, page.Total)
		if page.Next == nil {
			return pages, totals
		}
		// The cursor goes through its text form, as it does through the API.
		c, err := ledger.ParseApprovalCursor(page.Next.String())
		require.NoError(t, err)
		q.After = &c
	}
	t.Fatal("pages do not end")
	return nil, nil
}

func TestPendingApprovalsPageOrderAndCursor(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		pageRows(t, l)
		// Three gates with the same wait, put out of order: promotion id, then environment, orders them.
		for _, k := range [][2]string{{"promote/tie/2", "prod"}, {"promote/tie/1", "staging"}, {"promote/tie/1", "prod"}} {
			require.NoError(t, l.PutPendingApproval(context.Background(), samplePending(k[0], k[1], 3*time.Minute)))
		}
		every, err := l.ListPendingApprovals(context.Background())
		require.NoError(t, err)
		all := keys(every)
		require.Len(t, all, 15)
		require.Equal(t, []string{"promote/tie/1 prod", "promote/tie/1 staging", "promote/tie/2 prod"}, all[7:10])
		pages, totals := allPages(t, l, ledger.PendingApprovalQuery{Limit: 5})
		require.Equal(t, [][]string{all[:5], all[5:10], all[10:]}, pages, "pages follow the full list's order, none repeated or skipped")
		require.Equal(t, []int{15, 15, 15}, totals)

		pages, _ = allPages(t, l, ledger.PendingApprovalQuery{Limit: 9})
		require.Equal(t, [][]string{all[:9], all[9:]}, pages, "a cursor between gates of the same wait")
		pages, _ = allPages(t, l, ledger.PendingApprovalQuery{Limit: 15})
		require.Equal(t, [][]string{all}, pages, "a last page that is full has no next")

		page, err := l.PendingApprovalsPage(context.Background(), ledger.PendingApprovalQuery{})
		require.NoError(t, err)
		require.Equal(t, all, keys(page.Approvals), "the default limit holds them all")
		require.Nil(t, page.Next)
	})
}

func TestPendingApprovalsPageFilters(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		pageRows(t, l)
		every, err := l.ListPendingApprovals(context.Background())
		require.NoError(t, err)
		has := func(list []string, s string) bool { return slices.Contains(list, s) }
		for name, c := range map[string]struct {
			q    ledger.PendingApprovalQuery
			keep func(p ledger.PendingApproval) bool
			n    int
		}{
			"project": {ledger.PendingApprovalQuery{Project: "web"},
				func(p ledger.PendingApproval) bool { return p.Project == "web" }, 4},
			"project and environment": {ledger.PendingApprovalQuery{Project: "web", Environment: "prod", Limit: 1},
				func(p ledger.PendingApproval) bool { return p.Project == "web" && p.Environment == "prod" }, 2},
			"readable projects": {ledger.PendingApprovalQuery{Projects: []string{"web", "other"}, Environment: "staging"},
				func(p ledger.PendingApproval) bool { return p.Project == "web" && p.Environment == "staging" }, 2},
			"no readable project": {ledger.PendingApprovalQuery{Projects: []string{}},
				func(ledger.PendingApproval) bool { return false }, 0},
			"decider by name": {ledger.PendingApprovalQuery{Decider: &ledger.Decider{Name: "alice"}, Limit: 2},
				func(p ledger.PendingApproval) bool { return has(p.Approvers, "alice") }, 3},
			// bob is named by and in the group of some gates: each counts once.
			"decider by group": {ledger.PendingApprovalQuery{Decider: &ledger.Decider{Name: "bob", Groups: []string{"release"}}, Limit: 2},
				func(p ledger.PendingApproval) bool {
					return has(p.Approvers, "bob") || has(p.Approvers, "group:release")
				}, 6},
			// alice is in release too, but approved those gates already.
			"approved already": {ledger.PendingApprovalQuery{Decider: &ledger.Decider{Name: "alice", Groups: []string{"release"}}},
				func(p ledger.PendingApproval) bool {
					return (has(p.Approvers, "alice") || has(p.Approvers, "group:release")) && !has(p.ApprovedBy, "alice")
				}, 6},
			"a group is not a name": {ledger.PendingApprovalQuery{Decider: &ledger.Decider{Name: "release"}},
				func(ledger.PendingApproval) bool { return false }, 0},
			"anonymous decider": {ledger.PendingApprovalQuery{Decider: &ledger.Decider{}},
				func(ledger.PendingApproval) bool { return false }, 0},
			"decider in a project": {ledger.PendingApprovalQuery{Decider: &ledger.Decider{Name: "dave", Groups: []string{"ops"}},
				Projects: []string{"demo"}},
				func(p ledger.PendingApproval) bool { return p.Project == "demo" && has(p.Approvers, "group:ops") }, 2},
		} {
			want := []string{}
			for _, p := range every {
				if c.keep(p) {
					want = append(want, p.PromotionID+" "+p.Environment)
				}
			}
			require.Len(t, want, c.n, name+": the sample holds what the case needs")
			pages, totals := allPages(t, l, c.q)
			got := []string{}
			for _, p := range pages {
				got = append(got, p...)
			}
			require.Equal(t, want, got, name)
			for _, total := range totals {
				require.Equal(t, len(want), total, name+": total counts every page's rows")
			}
		}
	})
}

func TestPendingApprovalsPageLimits(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		ctx := context.Background()
		for _, limit := range []int{-1, ledger.MaxApprovalsPage + 1} {
			_, err := l.PendingApprovalsPage(ctx, ledger.PendingApprovalQuery{Limit: limit})
			require.ErrorContains(t, err, "limit", "limit %d", limit)
		}
		page, err := l.PendingApprovalsPage(ctx, ledger.PendingApprovalQuery{Limit: ledger.MaxApprovalsPage})
		require.NoError(t, err)
		require.NotNil(t, page.Approvals)
		require.Zero(t, page.Total)
	})
}

func TestApprovalCursorText(t *testing.T) {
	c := ledger.ApprovalCursor{WaitingSince: approvalsStart, PromotionID: "promote/demo/1.0", Environment: "prod"}
	got, err := ledger.ParseApprovalCursor(c.String())
	require.NoError(t, err)
	require.Equal(t, c, got)
	for _, bad := range []string{"", "!!", "e30", "bm90IGpzb24"} {
		_, err := ledger.ParseApprovalCursor(bad)
		require.ErrorContains(t, err, "not a cursor", bad)
	}
}
