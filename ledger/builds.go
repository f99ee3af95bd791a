package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Bounds of the commit text a build row keeps (a commit message is the
// committer's to choose).
const (
	maxSubject = 200
	maxAuthor  = 100
	maxReason  = 1000 // why a redeploy or rollback was started
)

// clipText cuts s to at most n bytes at a rune boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// validate checks the fields every build record needs.
func (b Build) validate() error {
	switch {
	case b.ID == "":
		return errors.New("build id is empty")
	case b.RunID == "":
		return errors.New("build run id is empty")
	case b.Project == "":
		return errors.New("build project is empty")
	}
	return nil
}

// insertBuildPrefix inserts a build row; its arguments are the columns it
// names (buildColumns), in order. What a build already there becomes
// follows.
const insertBuildPrefix = `
			INSERT INTO builds (` + buildColumns + `)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id, run_id) DO `

// insertBuildQuery inserts a build unless it is there.
const insertBuildQuery = insertBuildPrefix + "NOTHING"

// upsertFinishedBuildQuery is insertBuildQuery that, for a build already
// there, sets its status, version and finished_at.
const upsertFinishedBuildQuery = upsertFinishedBuildPrefix + "excluded.finished_at"

// upsertFinishedBuildKeepQuery is upsertFinishedBuildQuery that keeps a
// finished_at already recorded.
const upsertFinishedBuildKeepQuery = upsertFinishedBuildPrefix + "COALESCE(builds.finished_at, excluded.finished_at)"

const upsertFinishedBuildPrefix = insertBuildPrefix + `UPDATE SET
				status = excluded.status,
				version = excluded.version,
				finished_at = `

// RecordBuildStarted upserts the project (name, repository) and inserts the build
// keyed by (ID, RunID) if absent. An empty Status means running and a zero
// StartedAt means now. It is idempotent and never moves a finished build back to
// running: a build already recorded is left as it is.
func (l *Ledger) RecordBuildStarted(ctx context.Context, b Build) error {
	if err := b.validate(); err != nil {
		return fmt.Errorf("record build started: %w", err)
	}
	if b.Status == "" {
		b.Status = StatusRunning
	}
	if b.StartedAt.IsZero() {
		b.StartedAt = l.now()
	}
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		if err := l.upsertProject(ctx, tx, b.Project, b.Repository); err != nil {
			return err
		}
		_, err := l.exec(ctx, tx, insertBuildQuery,
			b.ID, b.RunID, b.Project, b.Repository, b.Commit, b.Branch, b.Status,
			b.TriggeredBy, b.Rerun, b.Version, l.timeArg(b.StartedAt), l.timePtrArg(b.FinishedAt),
			clipText(b.Subject, maxSubject), clipText(b.Author, maxAuthor), b.UpstreamBuildID, b.UpstreamKind)
		if err != nil {
			return fmt.Errorf("insert build: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record build started %s run %s: %w", b.ID, b.RunID, err)
	}
	return nil
}

// RecordBuildFinished sets the status, finished_at and version of the build,
// inserting it (and its project) if absent, and upserts its tasks keyed by
// (build id, run id, stage, name), all in one transaction. A task's empty BuildID
// and RunID default to the build's. A nil FinishedAt means now, unless the build
// already has one, so recording the same outcome twice leaves the same row.
func (l *Ledger) RecordBuildFinished(ctx context.Context, b Build, tasks []Task) error {
	if err := b.validate(); err != nil {
		return fmt.Errorf("record build finished: %w", err)
	}
	if b.Status == "" {
		return fmt.Errorf("record build finished %s run %s: status is empty", b.ID, b.RunID)
	}
	if b.StartedAt.IsZero() {
		b.StartedAt = l.now()
	}
	// A nil FinishedAt keeps the one already recorded, if any.
	upsertBuild := upsertFinishedBuildQuery
	if b.FinishedAt == nil {
		now := l.now()
		b.FinishedAt = &now
		upsertBuild = upsertFinishedBuildKeepQuery
	}
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		if err := l.upsertProject(ctx, tx, b.Project, b.Repository); err != nil {
			return err
		}
		_, err := l.exec(ctx, tx, upsertBuild,
			b.ID, b.RunID, b.Project, b.Repository, b.Commit, b.Branch, b.Status,
			b.TriggeredBy, b.Rerun, b.Version, l.timeArg(b.StartedAt), l.timeArg(*b.FinishedAt),
			clipText(b.Subject, maxSubject), clipText(b.Author, maxAuthor), b.UpstreamBuildID, b.UpstreamKind)
		if err != nil {
			return fmt.Errorf("upsert build: %w", err)
		}
		if len(tasks) == 0 {
			return nil
		}
		// One statement for every task: SQLite would parse it again for
		// each (about a third of the ledger's CPU for a build of 15 tasks).
		stmt, err := l.stmt(ctx, tx, upsertTaskQuery)
		if err != nil {
			return fmt.Errorf("prepare task upsert: %w", err)
		}
		defer func() { _ = stmt.Close() }()
		for _, t := range tasks {
			if t.BuildID == "" {
				t.BuildID = b.ID
			}
			if t.RunID == "" {
				t.RunID = b.RunID
			}
			if err := l.upsertTask(ctx, stmt, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record build finished %s run %s: %w", b.ID, b.RunID, err)
	}
	return nil
}

// upsertTaskQuery upserts a task keyed by (build id, run id, stage, name);
// its arguments are upsertTask's.
const upsertTaskQuery = `
		INSERT INTO tasks (build_id, run_id, stage, name, stage_index, task_index, status,
			attempt, exit_code, started_at, finished_at, error, log_key, warnings, errors)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (build_id, run_id, stage, name) DO UPDATE SET
			stage_index = excluded.stage_index,
			task_index = excluded.task_index,
			status = excluded.status,
			attempt = excluded.attempt,
			exit_code = excluded.exit_code,
			started_at = excluded.started_at,
			finished_at = excluded.finished_at,
			error = excluded.error,
			log_key = excluded.log_key,
			warnings = excluded.warnings,
			errors = excluded.errors`

// upsertTask runs upsert, the prepared upsertTaskQuery, for t.
func (l *Ledger) upsertTask(ctx context.Context, upsert *sql.Stmt, t Task) error {
	if t.Stage == "" || t.Name == "" {
		return fmt.Errorf("task %q of stage %q: stage and name must be set", t.Name, t.Stage)
	}
	var exit any
	if t.ExitCode != nil {
		exit = *t.ExitCode
	}
	_, err := upsert.ExecContext(ctx,
		t.BuildID, t.RunID, t.Stage, t.Name, t.StageIndex, t.TaskIndex, t.Status,
		t.Attempt, exit, l.timePtrArg(t.StartedAt), l.timePtrArg(t.FinishedAt), t.Error, t.LogKey,
		stringList(t.Warnings), stringList(t.Errors))
	if err != nil {
		return fmt.Errorf("upsert task %s/%s: %w", t.Stage, t.Name, err)
	}
	return nil
}

// stringList is list as a column: a JSON array, or "" when empty.
func stringList(list []string) string {
	if len(list) == 0 {
		return ""
	}
	b, _ := json.Marshal(list)
	return string(b)
}

// parseStringList reads a column written by stringList; a column that is
// not a JSON array of strings reads as none.
func parseStringList(s string) []string {
	var list []string
	if s != "" && json.Unmarshal([]byte(s), &list) != nil {
		return nil
	}
	return list
}
