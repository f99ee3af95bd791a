package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sampleDeployment() Deployment {
	return Deployment{
		PromotionID: "promote/foas/2.0.0", RunID: "run-1", Project: "foas", Environment: "prod",
		Version: "2.0.0", Actor: "alice", PreviousVersion: "1.0.0", StartedAt: at(0),
	}
}

func history(t *testing.T, l *Ledger, project, environment string) []Deployment {
	t.Helper()
	got, err := l.EnvironmentHistory(context.Background(), project, environment, 0)
	require.NoError(t, err)
	return got
}

func TestRecordDeploymentLifecycle(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		start := sampleDeployment()
		require.NoError(t, l.RecordDeployment(ctx, start))
		require.NoError(t, l.RecordDeployment(ctx, start))
		want := start
		want.Result = ResultDeploying
		want.StartedAt = normTime(at(0))
		require.Equal(t, []Deployment{want}, history(t, l, "foas", "prod"))

		end := start
		end.Actor, end.PreviousVersion = "", "" // the end record need not repeat them
		end.Result = ResultDeployed
		end.Outputs = map[string]string{"url": "https://prod.example.com", "stack_id": "arn:x"}
		fixedClock(l, at(time.Minute))
		require.NoError(t, l.RecordDeployment(ctx, end))
		fixedClock(l, at(2*time.Minute))
		require.NoError(t, l.RecordDeployment(ctx, end), "a retried end keeps the first finished_at")
		require.NoError(t, l.RecordDeployment(ctx, start), "a late start record must not reopen it")

		want.Result = ResultDeployed
		want.Outputs = end.Outputs
		want.FinishedAt = ptr(normTime(at(time.Minute)))
		require.Equal(t, []Deployment{want}, history(t, l, "foas", "prod"))

		// Verification failed afterwards: a final result replaces another, keeping the outputs.
		rolled := start
		rolled.Result = "rolled_back"
		rolled.FinishedAt = ptr(at(5 * time.Minute))
		require.NoError(t, l.RecordDeployment(ctx, rolled))
		want.Result = "rolled_back"
		want.FinishedAt = ptr(normTime(at(5 * time.Minute)))
		require.Equal(t, []Deployment{want}, history(t, l, "foas", "prod"))
		require.Equal(t, 1, countRows(t, l, "deployments"))
	})
}

func TestRecordDeploymentRejectsIncomplete(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		for _, unset := range []func(*Deployment){
			func(d *Deployment) { d.PromotionID = "" },
			func(d *Deployment) { d.RunID = "" },
			func(d *Deployment) { d.Project = "" },
			func(d *Deployment) { d.Environment = "" },
			func(d *Deployment) { d.Version = "" },
		} {
			d := sampleDeployment()
			unset(&d)
			require.Error(t, l.RecordDeployment(ctx, d), "%+v", d)
		}
		require.Equal(t, 0, countRows(t, l, "deployments"))
	})
}

// deploy records a deployment of version to environment by promotion run of
// project foas that started at start and ended with result at end.
func deploy(t *testing.T, l *Ledger, environment, version, previous, result string, rollback bool, start, end time.Duration) Deployment {
	t.Helper()
	promoted := version
	if rollback {
		promoted = previous // a rollback belongs to the promotion whose version failed
	}
	d := Deployment{
		PromotionID: "promote/foas/" + promoted, RunID: "run-1", Project: "foas", Environment: environment,
		Version: version, PreviousVersion: previous, Rollback: rollback, Actor: "ci", StartedAt: at(start),
	}
	require.NoError(t, l.RecordDeployment(context.Background(), d))
	if result != ResultDeploying {
		d.Result, d.FinishedAt = result, ptr(at(end))
		require.NoError(t, l.RecordDeployment(context.Background(), d))
	}
	return d
}
