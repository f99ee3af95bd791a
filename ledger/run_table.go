package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// runTable is a table with one row per run of something (a build, a
// promotion), keyed by (id, run_id) and ordered by started_at.
type runTable[T any] struct {
	name    string // table name, and the plural in errors
	one     string // what one row is, in errors
	columns string // selected columns, in the order scan reads them
	scan    func(rowScanner) (T, error)
}

var (
	buildRuns     = runTable[Build]{name: "builds", one: "build", columns: buildColumns, scan: scanBuild}
	promotionRuns = runTable[Promotion]{name: "promotions", one: "promotion", columns: promotionColumns, scan: scanPromotion}
)

// columnFilter keeps the rows whose column equals value; an empty value
// keeps every row.
type columnFilter struct{ column, value string }

// list returns the rows matching every filter, newest first (started_at
// descending, then id and run id ascending), limit rows from offset on.
func (t runTable[T]) list(ctx context.Context, l *Ledger, filters []columnFilter, limit, offset int) ([]T, error) {
	var where []string
	var args []any
	for _, f := range filters {
		if f.value != "" {
			where = append(where, f.column+" = ?")
			args = append(args, f.value)
		}
	}
	query := "SELECT " + t.columns + " FROM " + t.name
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY started_at DESC, id, run_id LIMIT ? OFFSET ?"
	args = append(args, clampLimit(limit), max(offset, 0))
	rows, err := l.db.QueryContext(ctx, l.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.name, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := t.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", t.name, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", t.name, err)
	}
	return out, nil
}

// get returns run runID of id, or its latest run (by started_at) when
// runID is empty; an error wrapping ErrNotFound when there is none.
func (t runTable[T]) get(ctx context.Context, l *Ledger, id, runID string) (T, error) {
	var row *sql.Row
	if runID == "" {
		row = l.db.QueryRowContext(ctx, l.rebind("SELECT "+t.columns+
			" FROM "+t.name+" WHERE id = ? ORDER BY started_at DESC, run_id DESC LIMIT 1"), id)
	} else {
		row = l.db.QueryRowContext(ctx, l.rebind("SELECT "+t.columns+
			" FROM "+t.name+" WHERE id = ? AND run_id = ?"), id, runID)
	}
	v, err := t.scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, fmt.Errorf("get %s %s run %q: %w", t.one, id, runID, ErrNotFound)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("get %s %s run %q: %w", t.one, id, runID, err)
	}
	return v, nil
}
