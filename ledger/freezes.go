package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Freeze is a frozen environment: promotions wait at its gate until it is
// lifted or Until passes.
type Freeze struct {
	Project     string     `json:"project"`
	Environment string     `json:"environment"`
	Reason      string     `json:"reason"`
	By          string     `json:"by,omitempty"`
	At          time.Time  `json:"at"`
	Until       *time.Time `json:"until,omitempty"`
}

// Active reports whether f holds at now.
func (f Freeze) Active(now time.Time) bool { return f.Until == nil || now.Before(*f.Until) }

// PutFreeze freezes (or freezes again, with a new reason or end) an
// environment; a zero At means now.
func (l *Ledger) PutFreeze(ctx context.Context, f Freeze) error {
	if f.Project == "" || f.Environment == "" || f.Reason == "" {
		return fmt.Errorf("freeze %s/%s: project, environment and reason are required", f.Project, f.Environment)
	}
	if f.At.IsZero() {
		f.At = l.now()
	}
	_, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO environment_freezes (project, environment, reason, frozen_by, frozen_at, until_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (project, environment) DO UPDATE SET reason = excluded.reason,
			frozen_by = excluded.frozen_by, frozen_at = excluded.frozen_at, until_at = excluded.until_at`),
		f.Project, f.Environment, clipText(f.Reason, maxReason), f.By, l.timeArg(f.At), l.timePtrArg(f.Until))
	if err != nil {
		return fmt.Errorf("freeze %s/%s: %w", f.Project, f.Environment, err)
	}
	return nil
}

// DeleteFreeze lifts a freeze; an error wrapping ErrNotFound when there was none.
func (l *Ledger) DeleteFreeze(ctx context.Context, project, environment string) error {
	res, err := l.db.ExecContext(ctx, l.rebind(`DELETE FROM environment_freezes WHERE project = ? AND environment = ?`),
		project, environment)
	if err != nil {
		return fmt.Errorf("lift freeze of %s/%s: %w", project, environment, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("lift freeze of %s/%s: %w", project, environment, ErrNotFound)
	}
	return nil
}

// GetFreeze returns the freeze of an environment that holds now; ok is
// false when there is none (or its end has passed).
func (l *Ledger) GetFreeze(ctx context.Context, project, environment string) (Freeze, bool, error) {
	f := Freeze{Project: project, Environment: environment}
	var at, until dbTime
	err := l.db.QueryRowContext(ctx, l.rebind(`
		SELECT reason, frozen_by, frozen_at, until_at FROM environment_freezes WHERE project = ? AND environment = ?`),
		project, environment).Scan(&f.Reason, &f.By, &at, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return Freeze{}, false, nil
	}
	if err != nil {
		return Freeze{}, false, fmt.Errorf("freeze of %s/%s: %w", project, environment, err)
	}
	f.At, f.Until = at.Time, until.Ptr()
	if !f.Active(l.now()) {
		return Freeze{}, false, nil
	}
	return f, true, nil
}

// ListFreezes returns the freezes in force of project ("" for every
// project), by project and environment.
func (l *Ledger) ListFreezes(ctx context.Context, project string) ([]Freeze, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT project, environment, reason, frozen_by, frozen_at, until_at FROM environment_freezes
		WHERE ? = '' OR project = ? ORDER BY project, environment`), project, project)
	if err != nil {
		return nil, fmt.Errorf("list freezes of %q: %w", project, err)
	}
	defer rows.Close()
	now := l.now()
	var out []Freeze
	for rows.Next() {
		var f Freeze
		var at, until dbTime
		if err := rows.Scan(&f.Project, &f.Environment, &f.Reason, &f.By, &at, &until); err != nil {
			return nil, fmt.Errorf("list freezes of %q: %w", project, err)
		}
		f.At, f.Until = at.Time, until.Ptr()
		if f.Active(now) {
			out = append(out, f)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list freezes of %q: %w", project, err)
	}
	return out, nil
}
