package ledger

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sampleBuild() Build {
	return Build{
		ID: "build/foas/abc123", RunID: "run-1", Project: "foas",
		Repository: "https://example.com/acme/foas.git", Commit: "abc123", Branch: "main",
		TriggeredBy: "webhook", StartedAt: at(0), Subject: "Ship the login page", Author: "Mary Jane",
	}
}

func sampleTasks() []Task {
	return []Task{
		{Stage: "package", Name: "tarball", StageIndex: 1, TaskIndex: 0, Status: "succeeded", Attempt: 1,
			ExitCode: ptr(0), StartedAt: ptr(at(3 * time.Second)), FinishedAt: ptr(at(4 * time.Second)), LogKey: "logs/3"},
		{Stage: "verify", Name: "unit", StageIndex: 0, TaskIndex: 0, Status: "succeeded", Attempt: 2,
			ExitCode: ptr(0), StartedAt: ptr(at(time.Second)), FinishedAt: ptr(at(2 * time.Second)), LogKey: "logs/1"},
		{Stage: "verify", Name: "lint", StageIndex: 0, TaskIndex: 1, Status: "failed", Attempt: 1,
			ExitCode: ptr(2), StartedAt: ptr(at(time.Second)), FinishedAt: ptr(at(2 * time.Second)),
			Error: "exit status 2", LogKey: "logs/2"},
	}
}

func countRows(t *testing.T, l *Ledger, table string) int {
	t.Helper()
	var n int
	require.NoError(t, l.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n))
	return n
}

func TestRecordBuildStartedIdempotent(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		b := sampleBuild()
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		projects, err := l.ListProjects(ctx)
		require.NoError(t, err)
		require.NoError(t, l.RecordBuildStarted(ctx, b))

		require.Equal(t, 1, countRows(t, l, "builds"))
		got, tasks, err := l.GetBuild(ctx, b.ID, b.RunID)
		require.NoError(t, err)
		require.Empty(t, tasks)
		want := b
		want.Status = StatusRunning
		want.StartedAt = at(0).UTC().Truncate(time.Microsecond)
		require.Equal(t, want, got)

		again, err := l.ListProjects(ctx)
		require.NoError(t, err)
		require.Equal(t, projects, again, "recording again must not touch the project")
		require.Len(t, again, 1)
		require.Equal(t, Project{Name: "foas", Repository: b.Repository,
			CreatedAt: again[0].CreatedAt, UpdatedAt: again[0].CreatedAt}, again[0])
	})
}

func TestRecordBuildFinishedIdempotent(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		b := sampleBuild()
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		b.Status, b.Version, b.FinishedAt = "failed", "", ptr(at(5*time.Second))
		for range 2 {
			require.NoError(t, l.RecordBuildFinished(ctx, b, sampleTasks()))
		}
		require.Equal(t, 1, countRows(t, l, "builds"))
		require.Equal(t, 3, countRows(t, l, "tasks"))

		got, tasks, err := l.GetBuild(ctx, b.ID, b.RunID)
		require.NoError(t, err)
		require.Equal(t, "failed", got.Status)
		require.Equal(t, at(5*time.Second).UTC().Truncate(time.Microsecond), *got.FinishedAt)
		require.Equal(t, []string{"unit", "lint", "tarball"}, taskNames(tasks), "ordered by stage then task index")
		lint := tasks[1]
		require.Equal(t, Task{BuildID: b.ID, RunID: b.RunID, Stage: "verify", Name: "lint", StageIndex: 0, TaskIndex: 1,
			Status: "failed", Attempt: 1, ExitCode: ptr(2),
			StartedAt:  ptr(at(time.Second).UTC().Truncate(time.Microsecond)),
			FinishedAt: ptr(at(2 * time.Second).UTC().Truncate(time.Microsecond)),
			Error:      "exit status 2", LogKey: "logs/2"}, lint)
	})
}

func TestRecordBuildFinishedUpdatesTasks(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		b := sampleBuild()
		b.Status = "failed"
		require.NoError(t, l.RecordBuildFinished(ctx, b, sampleTasks()[2:]))
		retried := sampleTasks()[2]
		retried.Status, retried.Attempt, retried.ExitCode, retried.Error = "succeeded", 2, ptr(0), ""
		b.Status, b.Version = "succeeded", "1.0.0"
		require.NoError(t, l.RecordBuildFinished(ctx, b, []Task{retried}))

		got, tasks, err := l.GetBuild(ctx, b.ID, b.RunID)
		require.NoError(t, err)
		require.Equal(t, "succeeded", got.Status)
		require.Equal(t, "1.0.0", got.Version)
		require.Len(t, tasks, 1)
		require.Equal(t, "succeeded", tasks[0].Status)
		require.Equal(t, 2, tasks[0].Attempt)
		require.Equal(t, 0, *tasks[0].ExitCode)
		require.Empty(t, tasks[0].Error)
	})
}

func TestFinishedBuildNeverRevertsToRunning(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		b := sampleBuild()
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		finished := b
		finished.Status, finished.Version = "succeeded", "1.2.3"
		require.NoError(t, l.RecordBuildFinished(ctx, finished, nil))
		first, _, err := l.GetBuild(ctx, b.ID, b.RunID)
		require.NoError(t, err)
		require.NotNil(t, first.FinishedAt, "nil FinishedAt means now")

		// A retried start activity arriving late, and a retried finish without a time.
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		require.NoError(t, l.RecordBuildFinished(ctx, finished, nil))

		got, _, err := l.GetBuild(ctx, b.ID, b.RunID)
		require.NoError(t, err)
		require.Equal(t, first, got)
		require.Equal(t, "succeeded", got.Status)
	})
}

func TestRecordBuildFinishedWithoutStart(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		b := sampleBuild()
		b.Status, b.FinishedAt = "cancelled", ptr(at(time.Minute))
		require.NoError(t, l.RecordBuildFinished(ctx, b, nil))
		got, _, err := l.GetBuild(ctx, b.ID, "")
		require.NoError(t, err)
		require.Equal(t, "cancelled", got.Status)
		require.Equal(t, b.Commit, got.Commit)
		projects, err := l.ListProjects(ctx)
		require.NoError(t, err)
		require.Len(t, projects, 1)
	})
}

func TestRecordBuildRejectsIncomplete(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		for _, b := range []Build{
			{RunID: "r", Project: "p"}, {ID: "b", Project: "p"}, {ID: "b", RunID: "r"},
		} {
			require.Error(t, l.RecordBuildStarted(ctx, b))
			b.Status = "failed"
			require.Error(t, l.RecordBuildFinished(ctx, b, nil))
		}
		require.Error(t, l.RecordBuildFinished(ctx, Build{ID: "b", RunID: "r", Project: "p"}, nil), "status required")
		b := sampleBuild()
		b.Status = "failed"
		require.Error(t, l.RecordBuildFinished(ctx, b, []Task{{Stage: "s"}}), "task name required")
		_, _, err := l.GetBuild(ctx, b.ID, b.RunID)
		require.ErrorIs(t, err, ErrNotFound, "a failed transaction leaves nothing behind")
	})
}

func TestProjectRepositoryUpdated(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		b := sampleBuild()
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		b.RunID, b.Repository = "run-2", ""
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		projects, err := l.ListProjects(ctx)
		require.NoError(t, err)
		require.Equal(t, sampleBuild().Repository, projects[0].Repository, "an empty repository keeps the known one")

		b.RunID, b.Repository = "run-3", "https://example.com/acme/moved.git"
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		projects, err = l.ListProjects(ctx)
		require.NoError(t, err)
		require.Equal(t, b.Repository, projects[0].Repository)
	})
}

func taskNames(tasks []Task) []string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.Name)
	}
	return out
}

func TestBuildCommitTextIsClipped(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		b := sampleBuild()
		b.Subject = strings.Repeat("é", 150) // 300 bytes
		b.Author = strings.Repeat("a", 150)
		require.NoError(t, l.RecordBuildStarted(ctx, b))
		got, _, err := l.GetBuild(ctx, b.ID, b.RunID)
		require.NoError(t, err)
		require.Equal(t, strings.Repeat("é", 100), got.Subject)
		require.Equal(t, strings.Repeat("a", 100), got.Author)
	})
}
