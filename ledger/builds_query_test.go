package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// seedBuilds records builds of two projects on two branches: b0 is the oldest,
// b5 the newest, and b2 and b3 start at the same instant.
func seedBuilds(t *testing.T, l *Ledger) {
	t.Helper()
	ctx := context.Background()
	seeds := []struct {
		project, branch, status string
		start                   time.Duration
	}{
		{"alpha", "main", "succeeded", 0},
		{"alpha", "dev", "failed", time.Minute},
		{"beta", "main", "succeeded", 2 * time.Minute},
		{"alpha", "main", "running", 2 * time.Minute},
		{"beta", "dev", "succeeded", 3 * time.Minute},
		{"alpha", "main", "succeeded", 4 * time.Minute},
	}
	for i, s := range seeds {
		b := Build{ID: fmt.Sprintf("b%d", i), RunID: "r", Project: s.project, Branch: s.branch, StartedAt: at(s.start)}
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		if s.status != StatusRunning {
			b.Status = s.status
			require.NoError(t, l.RecordBuildFinished(ctx, b, nil))
		}
	}
}

func buildIDs(builds []Build) []string {
	out := []string{}
	for _, b := range builds {
		out = append(out, b.ID)
	}
	return out
}

func TestListBuilds(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		seedBuilds(t, l)
		tests := []struct {
			name   string
			filter BuildFilter
			want   []string
		}{
			{"all newest first, ties by id", BuildFilter{}, []string{"b5", "b4", "b2", "b3", "b1", "b0"}},
			{"project", BuildFilter{Project: "alpha"}, []string{"b5", "b3", "b1", "b0"}},
			{"branch", BuildFilter{Branch: "dev"}, []string{"b4", "b1"}},
			{"status", BuildFilter{Status: "succeeded"}, []string{"b5", "b4", "b2", "b0"}},
			{"running", BuildFilter{Status: StatusRunning}, []string{"b3"}},
			{"all filters", BuildFilter{Project: "alpha", Branch: "main", Status: "succeeded"}, []string{"b5", "b0"}},
			{"no match", BuildFilter{Project: "gamma"}, []string{}},
			{"first page", BuildFilter{Limit: 2}, []string{"b5", "b4"}},
			{"second page", BuildFilter{Limit: 2, Offset: 2}, []string{"b2", "b3"}},
			{"last page", BuildFilter{Limit: 4, Offset: 4}, []string{"b1", "b0"}},
			{"past the end", BuildFilter{Offset: 6}, []string{}},
			{"negative offset", BuildFilter{Limit: 1, Offset: -3}, []string{"b5"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := l.ListBuilds(context.Background(), tt.filter)
				require.NoError(t, err)
				require.Equal(t, tt.want, buildIDs(got))
			})
		}
	})
}

func TestListBuildsLimits(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		for i := range MaxLimit + 1 {
			b := Build{ID: fmt.Sprintf("b%03d", i), RunID: "r", Project: "p", StartedAt: at(time.Duration(i) * time.Second)}
			require.NoError(t, l.RecordBuildStarted(ctx, b))
		}
		for _, tt := range []struct{ limit, want int }{{0, DefaultLimit}, {-1, DefaultLimit}, {7, 7}, {MaxLimit + 100, MaxLimit}} {
			got, err := l.ListBuilds(ctx, BuildFilter{Limit: tt.limit})
			require.NoError(t, err)
			require.Len(t, got, tt.want, "limit %d", tt.limit)
			require.Equal(t, "b500", got[0].ID)
		}
	})
}

func TestGetBuildRuns(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		first := sampleBuild()
		first.Status = "failed"
		require.NoError(t, l.RecordBuildFinished(ctx, first, sampleTasks()))
		rerun := sampleBuild()
		// Run IDs do not sort by time: "latest" must follow started_at.
		rerun.RunID, rerun.Rerun, rerun.StartedAt = "a-run-2", true, at(time.Hour)
		require.NoError(t, l.RecordBuildStarted(ctx, rerun))

		latest, tasks, err := l.GetBuild(ctx, first.ID, "")
		require.NoError(t, err)
		require.Equal(t, "a-run-2", latest.RunID)
		require.True(t, latest.Rerun)
		require.Equal(t, StatusRunning, latest.Status)
		require.Empty(t, tasks)

		got, tasks, err := l.GetBuild(ctx, first.ID, "run-1")
		require.NoError(t, err)
		require.Equal(t, "failed", got.Status)
		require.Len(t, tasks, 3)
		for _, task := range tasks {
			require.Equal(t, "run-1", task.RunID)
		}
	})
}

func TestGetBuildNotFound(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		require.NoError(t, l.RecordBuildStarted(ctx, sampleBuild()))
		for _, tt := range []struct{ id, run string }{
			{"build/foas/other", ""}, {"build/foas/other", "run-1"}, {sampleBuild().ID, "run-9"},
		} {
			_, _, err := l.GetBuild(ctx, tt.id, tt.run)
			require.ErrorIs(t, err, ErrNotFound, "%s %s", tt.id, tt.run)
		}
	})
}
