package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// ErrNotFound is returned (wrapped) when a build, artifact version, promotion or
// callback does not exist (or a callback has expired).
var ErrNotFound = errors.New("not found")

// Dialects of the ledger, as returned by Ledger.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Ledger is the SQL record of projects, builds, tasks and artifact versions.
// It is safe for concurrent use, and several processes may share one database.
type Ledger struct {
	db      *sql.DB
	dialect string
	// stmts are preparedQueries, prepared (on SQLite; see prepare).
	stmts map[string]*sql.Stmt
	now   func() time.Time
	log   *slog.Logger
}

// Option configures Open.
type Option func(*Ledger)

// WithLogger sets the logger Open reports applied migrations to; the default discards.
func WithLogger(log *slog.Logger) Option {
	return func(l *Ledger) { l.log = log }
}

// Open opens and migrates the ledger. A dsn starting with "postgres://" or
// "postgresql://" opens PostgreSQL; anything else is a SQLite file path, optionally
// prefixed "sqlite:", whose parent directory is created. SQLite runs in WAL mode
// with busy_timeout 5000 and foreign keys on, and write transactions take the
// write lock at BEGIN, so a worker and an API process can share the file.
func Open(ctx context.Context, dsn string, opts ...Option) (*Ledger, error) {
	l := &Ledger{now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(l)
	}
	db, dialect, err := openDB(dsn)
	if err != nil {
		return nil, err
	}
	// database/sql keeps two idle connections by default: with more
	// concurrent requests than that (20 webhook deliveries, 20 builds'
	// ledger writes), every query beyond two opened a connection (SQLite:
	// the file, its pragmas; PostgreSQL: a TCP connection and its login),
	// prepared its statement again and closed it after.
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(maxIdleTime)
	l.db, l.dialect = db, dialect
	if err := l.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	if dialect == DialectSQLite {
		if err := enableWAL(ctx, db); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	if err := l.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := l.prepare(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return l, nil
}

// openDB opens the database handle for dsn without connecting.
func openDB(dsn string) (*sql.DB, string, error) {
	if isPostgresDSN(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, "", fmt.Errorf("open ledger %s: %w", redactDSN(dsn), err)
		}
		return db, DialectPostgres, nil
	}
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, "", err
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, "", fmt.Errorf("open ledger %s: create directory: %w", path, err)
		}
	}
	db, err := sql.Open("sqlite", path+"?"+sqliteParams)
	if err != nil {
		return nil, "", fmt.Errorf("open ledger %s: %w", path, err)
	}
	if path == ":memory:" {
		// Every connection to :memory: is its own database: keep exactly one.
		db.SetMaxOpenConns(1)
	}
	return db, DialectSQLite, nil
}

// maxIdleConns and maxIdleTime bound the connections kept open between
// queries: enough for the API's or worker's concurrent requests, closed
// after a quiet spell.
const (
	maxIdleConns = 16
	maxIdleTime  = 5 * time.Minute
)

// sqliteParams configure every SQLite connection of the pool. WAL mode is
// persistent in the file and set once by enableWAL, not per connection: switching
// needs an exclusive lock, which SQLite refuses at once, without waiting out
// busy_timeout, when two processes open the file together.
const sqliteParams = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_txlock=immediate"

func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqlitePath returns the file path named by a SQLite dsn: a path, "sqlite:path"
// or "sqlite://path".
func sqlitePath(dsn string) (string, error) {
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path != dsn {
		path = strings.TrimPrefix(path, "//")
	}
	if path == "" {
		return "", fmt.Errorf("open ledger: empty SQLite path in dsn %q", dsn)
	}
	if strings.ContainsRune(path, '?') {
		return "", fmt.Errorf("open ledger %s: SQLite path must not contain '?'", path)
	}
	return path, nil
}

// Close closes the database.
func (l *Ledger) Close() error {
	// The prepared statements go with the database's connections; their map
	// is left as it is, as a query still running may read it.
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("close ledger: %w", err)
	}
	return nil
}

// Dialect is "sqlite" or "postgres".
func (l *Ledger) Dialect() string { return l.dialect }

// Ping checks that the database answers.
func (l *Ledger) Ping(ctx context.Context) error {
	if err := l.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping ledger (%s): %w", l.dialect, err)
	}
	return nil
}
