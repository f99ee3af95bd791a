package ledger

import (
	"context"
	"database/sql"
	"fmt"
)

// execer is *sql.DB or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// upsertProjectQuery records a project (name, repository, created_at,
// updated_at) if absent, or updates its repository; see upsertProject.
const upsertProjectQuery = `
		INSERT INTO projects (name, repository, created_at, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET repository = excluded.repository, updated_at = excluded.updated_at
		WHERE excluded.repository <> '' AND projects.repository <> excluded.repository`

// upsertProject records the project if absent, and updates its repository when
// repository is non-empty and differs, so recording it again changes nothing.
func (l *Ledger) upsertProject(ctx context.Context, db execer, name, repository string) error {
	now := l.timeArg(l.now())
	_, err := l.exec(ctx, db, upsertProjectQuery, name, repository, now, now)
	if err != nil {
		return fmt.Errorf("upsert project %s: %w", name, err)
	}
	return nil
}

// ListProjects returns every project, by name.
func (l *Ledger) ListProjects(ctx context.Context) ([]Project, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT name, repository, created_at, updated_at FROM projects ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		var p Project
		var created, updated dbTime
		if err := rows.Scan(&p.Name, &p.Repository, &created, &updated); err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		p.CreatedAt, p.UpdatedAt = created.Time, updated.Time
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (l *Ledger) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
