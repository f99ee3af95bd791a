package ledger

import (
	"context"
	"fmt"

	"github.com/drover-ci/drover/secrets"
)

var _ secrets.Store = (*Ledger)(nil)

// PutSecret inserts or replaces the sealed secret of (r.Project,
// r.Environment, r.Name); a zero SetAt means now.
func (l *Ledger) PutSecret(ctx context.Context, r secrets.Record) error {
	if r.Project == "" || r.Name == "" || len(r.Sealed) == 0 {
		return fmt.Errorf("put secret %q of %q: project, name and sealed value are required", r.Name, r.Project)
	}
	if r.SetAt.IsZero() {
		r.SetAt = l.now()
	}
	_, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO secrets (project, environment, name, sealed, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (project, environment, name) DO UPDATE
		SET sealed = excluded.sealed, set_by = excluded.set_by, set_at = excluded.set_at`),
		r.Project, r.Environment, r.Name, r.Sealed, r.SetBy, l.timeArg(r.SetAt))
	if err != nil {
		return fmt.Errorf("put secret %s of %s: %w", r.Name, r.Project, err)
	}
	return nil
}

// ListSecrets returns the secrets of project, without sealed values, by
// environment ("" first) then name.
func (l *Ledger) ListSecrets(ctx context.Context, project string) ([]secrets.Record, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT project, environment, name, set_by, set_at FROM secrets
		WHERE project = ? ORDER BY environment, name`), project)
	if err != nil {
		return nil, fmt.Errorf("list secrets of %s: %w", project, err)
	}
	defer rows.Close()
	var out []secrets.Record
	for rows.Next() {
		var r secrets.Record
		var at dbTime
		if err := rows.Scan(&r.Project, &r.Environment, &r.Name, &r.SetBy, &at); err != nil {
			return nil, fmt.Errorf("list secrets of %s: %w", project, err)
		}
		r.SetAt = at.Time
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list secrets of %s: %w", project, err)
	}
	return out, nil
}

// DeleteSecret removes a secret; it returns an error wrapping ErrNotFound and
// secrets.ErrNotFound when there was none.
func (l *Ledger) DeleteSecret(ctx context.Context, project, environment, name string) error {
	res, err := l.db.ExecContext(ctx, l.rebind(`DELETE FROM secrets WHERE project = ? AND environment = ? AND name = ?`),
		project, environment, name)
	if err != nil {
		return fmt.Errorf("delete secret %s of %s: %w", name, project, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("delete secret %s of %s: %w %w", name, project, ErrNotFound, secrets.ErrNotFound)
	}
	return nil
}

// SealedSecrets returns the secrets of project named in names that are
// project-wide or of environment, sealed values included.
func (l *Ledger) SealedSecrets(ctx context.Context, project, environment string, names []string) ([]secrets.Record, error) {
	if len(names) == 0 {
		return nil, nil
	}
	args := []any{project, environment}
	marks := make([]byte, 0, 2*len(names))
	for i, n := range names {
		if i > 0 {
			marks = append(marks, ',')
		}
		marks = append(marks, '?')
		args = append(args, n)
	}
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT project, environment, name, sealed, set_by, set_at FROM secrets
		WHERE project = ? AND (environment = '' OR environment = ?) AND name IN (`+string(marks)+`)
		ORDER BY environment, name`), args...)
	if err != nil {
		return nil, fmt.Errorf("read secrets of %s: %w", project, err)
	}
	defer rows.Close()
	var out []secrets.Record
	for rows.Next() {
		var r secrets.Record
		var at dbTime
		if err := rows.Scan(&r.Project, &r.Environment, &r.Name, &r.Sealed, &r.SetBy, &at); err != nil {
			return nil, fmt.Errorf("read secrets of %s: %w", project, err)
		}
		r.SetAt = at.Time
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read secrets of %s: %w", project, err)
	}
	return out, nil
}
