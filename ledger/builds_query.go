package ledger

import (
	"context"
	"database/sql"
	"fmt"
)

const buildColumns = `id, run_id, project, repository, commit_sha, branch, status,
	triggered_by, rerun, version, started_at, finished_at, subject, author, upstream_build_id, upstream_kind`

func scanBuild(row rowScanner) (Build, error) {
	var b Build
	var started, finished dbTime
	err := row.Scan(&b.ID, &b.RunID, &b.Project, &b.Repository, &b.Commit, &b.Branch, &b.Status,
		&b.TriggeredBy, &b.Rerun, &b.Version, &started, &finished, &b.Subject, &b.Author,
		&b.UpstreamBuildID, &b.UpstreamKind)
	if err != nil {
		return Build{}, err
	}
	b.StartedAt, b.FinishedAt = started.Time, finished.Ptr()
	return b, nil
}

// ListBuilds returns the builds matching f, newest first (started_at descending,
// then id and run id ascending).
func (l *Ledger) ListBuilds(ctx context.Context, f BuildFilter) ([]Build, error) {
	return buildRuns.list(ctx, l, []columnFilter{
		{"project", f.Project}, {"branch", f.Branch}, {"status", f.Status},
	}, f.Limit, f.Offset)
}

// GetBuild returns a build run and its tasks ordered by stage and task index.
// An empty runID selects the latest run of the build (by started_at). It returns
// an error wrapping ErrNotFound when there is no such build.
func (l *Ledger) GetBuild(ctx context.Context, id, runID string) (Build, []Task, error) {
	b, err := buildRuns.get(ctx, l, id, runID)
	if err != nil {
		return Build{}, nil, err
	}
	tasks, err := l.buildTasks(ctx, b.ID, b.RunID)
	if err != nil {
		return Build{}, nil, err
	}
	return b, tasks, nil
}

func (l *Ledger) buildTasks(ctx context.Context, id, runID string) ([]Task, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT build_id, run_id, stage, name, stage_index, task_index, status, attempt,
			exit_code, started_at, finished_at, error, log_key, warnings, errors
		FROM tasks WHERE build_id = ? AND run_id = ?
		ORDER BY stage_index, task_index, stage, name`), id, runID)
	if err != nil {
		return nil, fmt.Errorf("list tasks of build %s run %s: %w", id, runID, err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		var exit sql.NullInt64
		var started, finished dbTime
		var warningsCol, errorsCol string
		err := rows.Scan(&t.BuildID, &t.RunID, &t.Stage, &t.Name, &t.StageIndex, &t.TaskIndex,
			&t.Status, &t.Attempt, &exit, &started, &finished, &t.Error, &t.LogKey, &warningsCol, &errorsCol)
		if err != nil {
			return nil, fmt.Errorf("list tasks of build %s run %s: %w", id, runID, err)
		}
		if exit.Valid {
			code := int(exit.Int64)
			t.ExitCode = &code
		}
		t.StartedAt, t.FinishedAt = started.Ptr(), finished.Ptr()
		t.Warnings, t.Errors = parseStringList(warningsCol), parseStringList(errorsCol)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tasks of build %s run %s: %w", id, runID, err)
	}
	return out, nil
}
