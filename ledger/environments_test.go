package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// seedEnvironments records, for project foas:
//   - dev: 1 deployed, then 2 deployed → 2
//   - staging: 1 deployed, then 2 failed → 1
//   - prod: 1 deployed, 2 deployed then rolled back (redeploy of 1 deployed) → 1
//   - qa: 3 still deploying → absent
//   - perf: 1 deployed, 2 rolled back but the rollback failed → 1, the last deployed
//
// and for project bar, dev: 9 deployed.
func seedEnvironments(t *testing.T, l *Ledger) {
	t.Helper()
	m := time.Minute
	deploy(t, l, "dev", "1", "", ResultDeployed, false, 0, 1*m)
	deploy(t, l, "dev", "2", "1", ResultDeployed, false, 10*m, 11*m)
	deploy(t, l, "staging", "1", "", ResultDeployed, false, 2*m, 3*m)
	deploy(t, l, "staging", "2", "1", "failed", false, 12*m, 13*m)
	deploy(t, l, "prod", "1", "", ResultDeployed, false, 4*m, 5*m)
	deploy(t, l, "prod", "2", "1", "rolled_back", false, 14*m, 15*m)
	deploy(t, l, "prod", "1", "2", ResultDeployed, true, 15*m, 16*m)
	deploy(t, l, "qa", "3", "", ResultDeploying, false, 20*m, 0)
	deploy(t, l, "perf", "1", "", ResultDeployed, false, 6*m, 7*m)
	deploy(t, l, "perf", "2", "1", "rolled_back", false, 17*m, 18*m)
	deploy(t, l, "perf", "1", "2", "failed", true, 18*m, 19*m)
	require.NoError(t, l.RecordDeployment(context.Background(), Deployment{
		PromotionID: "promote/bar/9", RunID: "r", Project: "bar", Environment: "dev", Version: "9",
		Result: ResultDeployed, Actor: "alice", StartedAt: at(0), FinishedAt: ptr(at(time.Second)),
	}))
}

func TestEnvironments(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		seedEnvironments(t, l)
		m := time.Minute
		status := func(project, env, version, promotion, actor, previous string, since time.Duration) EnvironmentStatus {
			return EnvironmentStatus{Project: project, Environment: env, Version: version, Since: normTime(at(since)),
				PromotionID: promotion, Actor: actor, PreviousVersion: previous}
		}
		foas := []EnvironmentStatus{
			status("foas", "dev", "2", "promote/foas/2", "ci", "1", 11*m),
			status("foas", "perf", "1", "promote/foas/1", "ci", "", 7*m),
			status("foas", "prod", "1", "promote/foas/2", "ci", "2", 16*m),
			status("foas", "staging", "1", "promote/foas/1", "ci", "", 3*m),
		}
		bar := status("bar", "dev", "9", "promote/bar/9", "alice", "", time.Second)
		tests := []struct {
			project string
			want    []EnvironmentStatus
		}{
			{"foas", foas},
			{"", append([]EnvironmentStatus{bar}, foas...)},
			{"bar", []EnvironmentStatus{bar}},
			{"missing", nil},
		}
		for _, tt := range tests {
			got, err := l.Environments(context.Background(), tt.project)
			require.NoError(t, err)
			require.Equal(t, tt.want, got, "project %q", tt.project)
		}
	})
}

func TestEnvironmentHistory(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		seedEnvironments(t, l)
		type row struct {
			version, result string
			rollback        bool
		}
		rows := func(ds []Deployment) []row {
			var out []row
			for _, d := range ds {
				require.Equal(t, "foas", d.Project)
				out = append(out, row{d.Version, d.Result, d.Rollback})
			}
			return out
		}
		require.Equal(t, []row{{"1", ResultDeployed, true}, {"2", "rolled_back", false}, {"1", ResultDeployed, false}},
			rows(history(t, l, "foas", "prod")))
		require.Equal(t, []row{{"2", "failed", false}, {"1", ResultDeployed, false}},
			rows(history(t, l, "foas", "staging")))
		require.Equal(t, []row{{"3", ResultDeploying, false}}, rows(history(t, l, "foas", "qa")))

		limited, err := l.EnvironmentHistory(context.Background(), "foas", "prod", 1)
		require.NoError(t, err)
		require.Equal(t, []row{{"1", ResultDeployed, true}}, rows(limited))
		require.Empty(t, history(t, l, "foas", "missing"))
		require.Empty(t, history(t, l, "other", "prod"))
	})
}

func TestRollbackStartedWithItsDeployComesFirst(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		deploy(t, l, "prod", "2", "1", "rolled_back", false, 0, time.Minute)
		deploy(t, l, "prod", "1", "2", ResultDeployed, true, 0, 2*time.Minute)
		got := history(t, l, "foas", "prod")
		require.Len(t, got, 2)
		require.True(t, got[0].Rollback)
		require.False(t, got[1].Rollback)
	})
}

// Once a promotion has recorded its pipeline's order, environments come in
// that order; those it does not name follow, by name.
func TestEnvironmentsInPipelineOrder(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		seedEnvironments(t, l)
		ctx := context.Background()
		require.NoError(t, l.RecordPromotion(ctx, Promotion{ID: "promote/foas/2", RunID: "r", Project: "foas", Version: "2",
			StartedAt: at(0), Environments: []string{"dev", "staging", "prod"}}))
		got, err := l.Environments(ctx, "")
		require.NoError(t, err)
		var names []string
		for _, s := range got {
			names = append(names, s.Project+"/"+s.Environment)
		}
		require.Equal(t, []string{"bar/dev", "foas/dev", "foas/staging", "foas/prod", "foas/perf"}, names)
	})
}
