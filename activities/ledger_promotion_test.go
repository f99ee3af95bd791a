package activities_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/ledger/ledgertest"
)

// executeByName runs the activity registered under name, as the Promotion
// workflow calls it, so its input goes through Temporal's data converter.
func executeByName(t *testing.T, a *activities.LedgerActivities, name string, in any) error {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	_, err := env.ExecuteActivity(name, in)
	return err
}

func TestLedgerPromotionActivities(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		ctx := context.Background()
		a := &activities.LedgerActivities{Ledger: l}
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		finish := start.Add(time.Hour)
		promotion := ledger.Promotion{ID: "promote/foas/1.2.0", RunID: "run-1", Project: "foas",
			Version: "1.2.0", Commit: "abc", TriggeredBy: "bob", Status: "running", StartedAt: start}
		deploying := ledger.Deployment{PromotionID: promotion.ID, RunID: "run-1", Project: "foas",
			Environment: "prod", Version: "1.2.0", Result: ledger.ResultDeploying, Actor: "alice",
			PreviousVersion: "1.1.0", StartedAt: start.Add(time.Minute)}
		deployed := deploying
		deployed.Result = ledger.ResultDeployed
		deployed.Outputs = map[string]string{"url": "https://prod.example.com"}
		deployed.FinishedAt = &finish
		decision := ledger.Decision{PromotionID: promotion.ID, RunID: "run-1", Project: "foas",
			Version: "1.2.0", Environment: "prod", Actor: "alice", Approve: true, Channel: "slack",
			Comment: "ship it", At: start.Add(30 * time.Second)}
		finished := promotion
		finished.Status, finished.FinishedAt = "completed", &finish

		// Each write twice, as a retried local activity would.
		for _, step := range []struct {
			name string
			in   any
		}{
			{"RecordPromotion", promotion}, {"RecordPromotion", promotion},
			{"RecordDecision", decision}, {"RecordDecision", decision},
			{"RecordDeployment", deploying}, {"RecordDeployment", deploying},
			{"RecordDeployment", deployed}, {"RecordDeployment", deployed},
			{"RecordPromotion", finished}, {"RecordPromotion", finished},
		} {
			require.NoError(t, executeByName(t, a, step.name, step.in), step.name)
		}

		gotPromotion, err := l.GetPromotion(ctx, promotion.ID, "")
		require.NoError(t, err)
		require.Equal(t, finished, gotPromotion)
		decisions, err := l.ListDecisions(ctx, promotion.ID)
		require.NoError(t, err)
		require.Equal(t, []ledger.Decision{decision}, decisions)
		history, err := l.EnvironmentHistory(ctx, "foas", "prod", 0)
		require.NoError(t, err)
		require.Equal(t, []ledger.Deployment{deployed}, history)
		envs, err := l.Environments(ctx, "foas")
		require.NoError(t, err)
		require.Equal(t, []ledger.EnvironmentStatus{{Project: "foas", Environment: "prod", Version: "1.2.0",
			Since: finish, PromotionID: promotion.ID, Actor: "alice", PreviousVersion: "1.1.0"}}, envs)
	})
}

// failingRecorder is a ledger whose every write fails.
type failingRecorder struct{ err error }

func (f failingRecorder) RecordBuildStarted(context.Context, ledger.Build) error { return f.err }
func (f failingRecorder) RecordBuildFinished(context.Context, ledger.Build, []ledger.Task) error {
	return f.err
}
func (f failingRecorder) RecordArtifactVersion(context.Context, ledger.ArtifactVersion) error {
	return f.err
}
func (f failingRecorder) RecordPromotion(context.Context, ledger.Promotion) error   { return f.err }
func (f failingRecorder) RecordDeployment(context.Context, ledger.Deployment) error { return f.err }
func (f failingRecorder) RecordDecision(context.Context, ledger.Decision) error     { return f.err }

func TestLedgerPromotionActivitiesReportFailures(t *testing.T) {
	a := &activities.LedgerActivities{Ledger: failingRecorder{err: errors.New("database is locked")}}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"RecordPromotion", ledger.Promotion{ID: "promote/foas/1", Status: "completed"}, "record promotion promote/foas/1 status completed"},
		{"RecordDeployment", ledger.Deployment{PromotionID: "promote/foas/1", Environment: "prod", Result: "failed"},
			"record deployment of promote/foas/1 to prod result failed"},
		{"RecordDecision", ledger.Decision{PromotionID: "promote/foas/1", Environment: "prod", Actor: "alice"},
			"record decision of alice on promote/foas/1/prod"},
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

// A build's version counts whoever triggered the build among its
// registrants: with prevent_self_approval they may not approve it when
// artifacts registered through the API complete it, nor in a later
// promotion of it.
func TestRecordBuildFinishedRegistersTheBuildsTrigger(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		ctx := context.Background()
		a := &activities.LedgerActivities{Ledger: l}
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		b := ledger.Build{ID: "build/foas/abc", RunID: "run-1", Project: "foas", Repository: "/srv/foas", Commit: "abc",
			Status: "succeeded", TriggeredBy: "alice", Version: "1.4.0", StartedAt: start}
		v := &ledger.ArtifactVersion{Project: "foas", Version: "1.4.0", Commit: "abc", BuildID: b.ID, RunID: "run-1",
			Artifacts: []ledger.Artifact{{Name: "foas", Key: "artifacts/foas/1.4.0/foas.tgz"}}}
		require.NoError(t, executeByName(t, a, "RecordBuildFinished", activities.RecordBuildFinishedInput{Build: b, Version: v}))

		got, err := l.GetArtifactVersion(ctx, "foas", "1.4.0")
		require.NoError(t, err)
		require.Equal(t, []string{"alice"}, got.RegisteredBy)
		got, err = l.AddArtifacts(ctx, ledger.ArtifactVersion{Project: "foas", Version: "1.4.0", Commit: "abc",
			Artifacts: []ledger.Artifact{{Name: "puppet-foas", Path: "https://repo.example.com/puppet-foas.tgz"}}, RegisteredBy: []string{"bob"}})
		require.NoError(t, err)
		require.Equal(t, []string{"alice", "bob"}, got.RegisteredBy)

		// Those the build credits besides (a rerun's earlier triggers, the
		// pushers of a push that built nothing) are registrants too.
		b2 := b
		b2.ID, b2.Commit, b2.Version, b2.TriggeredBy = "build/foas/def", "def", "1.5.0", "carol"
		v2 := &ledger.ArtifactVersion{Project: "foas", Version: "1.5.0", Commit: "def", BuildID: b2.ID, RunID: "run-1",
			RegisteredBy: []string{"github:mallory", "carol"}}
		require.NoError(t, executeByName(t, a, "RecordBuildFinished", activities.RecordBuildFinishedInput{Build: b2, Version: v2}))
		got, err = l.GetArtifactVersion(ctx, "foas", "1.5.0")
		require.NoError(t, err)
		require.Equal(t, []string{"carol", "github:mallory"}, got.RegisteredBy)
	})
}
