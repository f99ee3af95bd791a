package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func samplePromotion() Promotion {
	return Promotion{
		ID: "promote/foas/1.0.0", RunID: "run-1", Project: "foas", Version: "1.0.0",
		Commit: "abc123", Branch: "main", BuildID: "build/foas/abc123", TriggeredBy: "bob",
		StartedAt: at(0), Environments: []string{"dev", "staging", "prod"},
	}
}

// fixedClock makes l.now return t.
func fixedClock(l *Ledger, t time.Time) { l.now = func() time.Time { return t } }

func TestRecordPromotionIdempotent(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		p := samplePromotion()
		require.NoError(t, l.RecordPromotion(ctx, p))
		require.NoError(t, l.RecordPromotion(ctx, p))

		require.Equal(t, 1, countRows(t, l, "promotions"))
		got, err := l.GetPromotion(ctx, p.ID, p.RunID)
		require.NoError(t, err)
		want := p
		want.Status = StatusRunning
		want.StartedAt = normTime(at(0))
		require.Equal(t, want, got)

		projects, err := l.ListProjects(ctx)
		require.NoError(t, err)
		require.Len(t, projects, 1)
		require.Equal(t, "foas", projects[0].Name, "the project is recorded with its promotion")
	})
}

func TestFinishedPromotionNeverRevertsToRunning(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		p := samplePromotion()
		require.NoError(t, l.RecordPromotion(ctx, p))

		done := p
		done.Status = "completed"
		fixedClock(l, at(time.Hour))
		require.NoError(t, l.RecordPromotion(ctx, done))
		fixedClock(l, at(2*time.Hour))
		require.NoError(t, l.RecordPromotion(ctx, done), "a retried finish keeps the first finished_at")
		require.NoError(t, l.RecordPromotion(ctx, p), "a late start record must not reopen it")

		got, err := l.GetPromotion(ctx, p.ID, p.RunID)
		require.NoError(t, err)
		require.Equal(t, "completed", got.Status)
		require.Equal(t, ptr(normTime(at(time.Hour))), got.FinishedAt)
		require.Equal(t, normTime(at(0)), got.StartedAt)

		explicit := done
		explicit.Status = "stopped"
		explicit.FinishedAt = ptr(at(3 * time.Hour))
		require.NoError(t, l.RecordPromotion(ctx, explicit))
		got, err = l.GetPromotion(ctx, p.ID, p.RunID)
		require.NoError(t, err)
		require.Equal(t, "stopped", got.Status)
		require.Equal(t, ptr(normTime(at(3*time.Hour))), got.FinishedAt)
	})
}

func TestListPromotions(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		for _, p := range []Promotion{
			{ID: "promote/foas/1", RunID: "r", Project: "foas", Version: "1", Status: "completed", StartedAt: at(0)},
			{ID: "promote/foas/2", RunID: "r", Project: "foas", Version: "2", Status: "stopped", StartedAt: at(time.Minute)},
			{ID: "promote/foas/3", RunID: "r", Project: "foas", Version: "3", StartedAt: at(2 * time.Minute)},
			{ID: "promote/bar/1", RunID: "r", Project: "bar", Version: "1", Status: "completed", StartedAt: at(3 * time.Minute)},
		} {
			require.NoError(t, l.RecordPromotion(ctx, p))
		}
		tests := []struct {
			name string
			f    PromotionFilter
			want []string
		}{
			{"all, newest first", PromotionFilter{}, []string{"promote/bar/1", "promote/foas/3", "promote/foas/2", "promote/foas/1"}},
			{"project", PromotionFilter{Project: "foas"}, []string{"promote/foas/3", "promote/foas/2", "promote/foas/1"}},
			{"status", PromotionFilter{Status: "completed"}, []string{"promote/bar/1", "promote/foas/1"}},
			{"running", PromotionFilter{Project: "foas", Status: StatusRunning}, []string{"promote/foas/3"}},
			{"page", PromotionFilter{Limit: 2, Offset: 1}, []string{"promote/foas/3", "promote/foas/2"}},
			{"none", PromotionFilter{Project: "missing"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := l.ListPromotions(ctx, tt.f)
				require.NoError(t, err)
				var ids []string
				for _, p := range got {
					ids = append(ids, p.ID)
				}
				require.Equal(t, tt.want, ids)
			})
		}
	})
}

func TestGetPromotionRuns(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		first := samplePromotion()
		second := samplePromotion()
		second.RunID, second.StartedAt = "run-2", at(time.Hour)
		require.NoError(t, l.RecordPromotion(ctx, second))
		require.NoError(t, l.RecordPromotion(ctx, first))

		latest, err := l.GetPromotion(ctx, first.ID, "")
		require.NoError(t, err)
		require.Equal(t, "run-2", latest.RunID)
		one, err := l.GetPromotion(ctx, first.ID, "run-1")
		require.NoError(t, err)
		require.Equal(t, "run-1", one.RunID)

		for _, tt := range []struct{ id, run string }{{first.ID, "run-3"}, {"promote/foas/9", ""}} {
			_, err := l.GetPromotion(ctx, tt.id, tt.run)
			require.ErrorIs(t, err, ErrNotFound)
		}
	})
}

func TestRecordPromotionRejectsIncomplete(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		for _, p := range []Promotion{
			{RunID: "r", Project: "p", Version: "1"},
			{ID: "i", Project: "p", Version: "1"},
			{ID: "i", RunID: "r", Version: "1"},
			{ID: "i", RunID: "r", Project: "p"},
		} {
			require.Error(t, l.RecordPromotion(ctx, p), "%+v", p)
		}
		require.Equal(t, 0, countRows(t, l, "promotions"))
	})
}

// EnvironmentOrder is the order of the project's latest promotion that
// recorded one; a later record without environments does not erase it.
func TestEnvironmentOrder(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		order, err := l.EnvironmentOrder(ctx, "foas")
		require.NoError(t, err)
		require.Nil(t, order)

		first := samplePromotion()
		require.NoError(t, l.RecordPromotion(ctx, first))
		second := samplePromotion()
		second.ID, second.Version, second.StartedAt = "promote/foas/2.0.0", "2.0.0", at(time.Minute)
		second.Environments = []string{"dev", "qa", "prod"}
		require.NoError(t, l.RecordPromotion(ctx, second))
		finished := second
		finished.Status, finished.Environments = "completed", nil
		require.NoError(t, l.RecordPromotion(ctx, finished))

		order, err = l.EnvironmentOrder(ctx, "foas")
		require.NoError(t, err)
		require.Equal(t, []string{"dev", "qa", "prod"}, order)
		got, err := l.GetPromotion(ctx, second.ID, second.RunID)
		require.NoError(t, err)
		require.Equal(t, "completed", got.Status)
		require.Equal(t, []string{"dev", "qa", "prod"}, got.Environments)
	})
}
