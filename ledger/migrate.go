package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	Version int
	Name    string // the file it came from
	SQL     string // with macros expanded for the dialect
}

// migrationName matches NNNN_name.sql, NNNN_name.sqlite.sql and NNNN_name.postgres.sql.
var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+(?:\.(sqlite|postgres))?\.sql$`)

// postgresMigrationLock is the pg_advisory_lock key held while migrating
// (the bytes "drover-l").
const postgresMigrationLock = 0x64726f7665722d6c

// loadMigrations returns the migrations of fsys for dialect in version order:
// for each version the dialect's own file if there is one, else the shared one.
func loadMigrations(fsys fs.FS, dialect string) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	shared := map[int]string{}
	own := map[int]string{}
	for _, path := range names {
		base := strings.TrimPrefix(path, "migrations/")
		m := migrationName.FindStringSubmatch(base)
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name[.sqlite|.postgres].sql", base)
		}
		version, _ := strconv.Atoi(m[1])
		target := shared
		switch m[2] {
		case "":
		case dialect:
			target = own
		default:
			continue
		}
		if prev, dup := target[version]; dup {
			return nil, fmt.Errorf("migration %s: version %d already used by %s", base, version, prev)
		}
		target[version] = path
	}
	for v, path := range own {
		shared[v] = path
	}
	out := make([]migration, 0, len(shared))
	for v, path := range shared {
		body, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", path, err)
		}
		out = append(out, migration{Version: v, Name: path, SQL: expandMacros(string(body), dialect)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// expandMacros replaces the dialect macros of a migration: {{timestamp}} and
// {{blob}} (binary data).
func expandMacros(sql, dialect string) string {
	ts, blob := "TIMESTAMPTZ", "BYTEA"
	if dialect == DialectSQLite {
		ts, blob = "TEXT", "BLOB"
	}
	return strings.NewReplacer("{{timestamp}}", ts, "{{blob}}", blob).Replace(sql)
}

// txBeginner is *sql.DB or *sql.Conn.
type txBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// migrate applies the embedded migrations not yet recorded in schema_migrations.
// On PostgreSQL it holds an advisory lock on one connection meanwhile; on SQLite
// every transaction begins IMMEDIATE (see sqliteParams), which serialises writers.
func (l *Ledger) migrate(ctx context.Context) error {
	migrations, err := loadMigrations(migrationFiles, l.dialect)
	if err != nil {
		return err
	}
	if l.dialect != DialectPostgres {
		return l.applyMigrations(ctx, l.db, migrations)
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate ledger: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(postgresMigrationLock)); err != nil {
		return fmt.Errorf("migrate ledger: take advisory lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done. If it
		// cannot be, drop the connection, which ends its session and the lock,
		// rather than return it to the pool still holding the lock.
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(postgresMigrationLock))
		if err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return l.applyMigrations(ctx, conn, migrations)
}

func (l *Ledger) applyMigrations(ctx context.Context, db txBeginner, migrations []migration) error {
	for _, m := range migrations {
		applied, err := l.applyMigration(ctx, db, m)
		if err != nil {
			return fmt.Errorf("migrate ledger: %s: %w", m.Name, err)
		}
		if applied {
			l.log.Info("ledger migration applied", "version", m.Version, "file", m.Name, "dialect", l.dialect)
		}
	}
	return nil
}

// applyMigration runs m in its own transaction unless schema_migrations already
// records it, and reports whether it ran.
func (l *Ledger) applyMigration(ctx context.Context, db txBeginner, m migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	create := expandMacros(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at {{timestamp}} NOT NULL)`, l.dialect)
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var n int
	err = tx.QueryRowContext(ctx, l.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read schema_migrations: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("apply: %w", err)
	}
	_, err = tx.ExecContext(ctx, l.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		m.Version, m.Name, l.timeArg(l.now()))
	if err != nil {
		return false, fmt.Errorf("record: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// SchemaVersion is the highest migration version applied to the database.
func (l *Ledger) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := l.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}
