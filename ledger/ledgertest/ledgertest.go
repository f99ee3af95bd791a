// Package ledgertest opens fresh, migrated ledgers on every backend for the tests
// of packages that write to or read from the ledger.
//
// PostgreSQL tests use the server named by DROVER_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), creating a
// database per test and dropping it afterwards. They are skipped when the server
// does not answer, unless DROVER_REQUIRE_POSTGRES=1, and always in -short mode.
package ledgertest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drover-ci/drover/ledger"
)

const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ForEach runs fn as a subtest, named after the dialect, against a fresh ledger
// on SQLite and on PostgreSQL.
func ForEach(t *testing.T, fn func(t *testing.T, l *ledger.Ledger)) {
	t.Helper()
	for _, b := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{{ledger.DialectSQLite, SQLiteDSN}, {ledger.DialectPostgres, PostgresDSN}} {
		t.Run(b.name, func(t *testing.T) {
			fn(t, Open(t, b.dsn(t)))
		})
	}
}

// Open opens the ledger at dsn and closes it when t ends.
func Open(t *testing.T, dsn string, opts ...ledger.Option) *ledger.Ledger {
	t.Helper()
	l, err := ledger.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatalf("open test ledger: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close test ledger: %v", err)
		}
	})
	return l
}

// SQLiteDSN is the path of a new SQLite ledger file in t's temporary directory.
func SQLiteDSN(t *testing.T) string {
	return filepath.Join(t.TempDir(), "ledger.db")
}

// PostgresDSN creates an empty database drover_test_<random> and returns its DSN;
// the database is dropped when t ends. In -short mode (make unit) t is skipped.
func PostgresDSN(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL: skipped in -short mode")
	}
	server := os.Getenv("DROVER_TEST_POSTGRES")
	if server == "" {
		server = defaultPostgres
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("DROVER_TEST_POSTGRES is not a URL")
	}
	shown := *u // for messages: no password, no query (which may hold one)
	shown.RawQuery = ""
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("open PostgreSQL %s: %v", shown.Redacted(), err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("DROVER_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL not reachable at %s (set DROVER_TEST_POSTGRES): %v", shown.Redacted(), err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set DROVER_TEST_POSTGRES): %v", shown.Redacted(), err)
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	name := "drover_test_" + hex.EncodeToString(suffix[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
