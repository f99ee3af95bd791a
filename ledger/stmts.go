package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// preparedQueries are the statements every build writes (when it starts
// and when it finishes), and the ones every build the API starts reads
// (commitOriginQuery; pushersOfQuery for every artifact registered),
// prepared once at Open on SQLite:
// SQLite parses a statement again for every Exec, and parsing was most of the ledger's CPU
// for a build (its writes were a tenth of the benchmark process's CPU per
// build beyond the process floor). On PostgreSQL they run as any other
// statement: named prepared statements outside a transaction do not
// survive a pooler such as PgBouncer in transaction mode.
var preparedQueries = []string{
	upsertProjectQuery,
	insertBuildQuery,
	upsertFinishedBuildQuery,
	upsertFinishedBuildKeepQuery,
	upsertTaskQuery,
	insertVersionQuery,
	pushersOfQuery,
	commitOriginQuery,
}

// prepare prepares preparedQueries on SQLite.
func (l *Ledger) prepare(ctx context.Context) error {
	if l.dialect != DialectSQLite {
		return nil
	}
	l.stmts = make(map[string]*sql.Stmt, len(preparedQueries))
	for _, q := range preparedQueries {
		s, err := l.db.PrepareContext(ctx, q)
		if err != nil {
			return errors.Join(fmt.Errorf("prepare ledger statement: %w", err), l.closeStmts())
		}
		l.stmts[q] = s
	}
	return nil
}

// closeStmts closes the statements prepare prepared (when preparing one failed).
func (l *Ledger) closeStmts() error {
	var errs []error
	for _, s := range l.stmts {
		errs = append(errs, s.Close())
	}
	l.stmts = nil
	return errors.Join(errs...)
}

// prepared is the statement prepare prepared for query, in tx (nil: in
// the database), or nil when there is none (on PostgreSQL, or a query not
// in preparedQueries).
func (l *Ledger) prepared(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	s := l.stmts[query]
	if s != nil && tx != nil {
		s = tx.StmtContext(ctx, s)
	}
	return s
}

// stmt is query (written with ? placeholders) as a statement of tx, for
// running it many times: the one prepare prepared, else one prepared now.
// The caller closes it.
func (l *Ledger) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if s := l.prepared(ctx, tx, query); s != nil {
		return s, nil
	}
	return tx.PrepareContext(ctx, l.rebind(query))
}

// exec runs query (written with ? placeholders) with args in db, a
// transaction or the database, as a statement prepare prepared when it is
// one, else as a statement of its own.
func (l *Ledger) exec(ctx context.Context, db execer, query string, args ...any) (sql.Result, error) {
	tx, _ := db.(*sql.Tx) // else db is the database
	if s := l.prepared(ctx, tx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return db.ExecContext(ctx, l.rebind(query), args...)
}

// query runs query (written with ? placeholders) with args as a statement
// prepare prepared when it is one, else as a statement of its own.
func (l *Ledger) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := l.prepared(ctx, nil, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return l.db.QueryContext(ctx, l.rebind(query), args...)
}

// queryRow runs query (written with ? placeholders) with args as a
// statement prepare prepared when it is one, else as a statement of its own.
func (l *Ledger) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s := l.prepared(ctx, nil, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return l.db.QueryRowContext(ctx, l.rebind(query), args...)
}
