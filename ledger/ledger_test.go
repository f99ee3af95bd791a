package ledger

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const defaultTestPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// backend opens fresh, empty ledger databases of one dialect for a test.
type backend struct {
	name string
	// dsn returns the DSN of a new empty database, dropped when t ends.
	dsn func(t *testing.T) string
}

func backends() []backend {
	return []backend{
		{name: DialectSQLite, dsn: func(t *testing.T) string {
			return filepath.Join(t.TempDir(), "nested", "ledger.db")
		}},
		{name: DialectPostgres, dsn: postgresTestDSN},
	}
}

// forEachLedger runs fn as a subtest against a freshly opened ledger on each backend.
func forEachLedger(t *testing.T, fn func(t *testing.T, l *Ledger)) {
	t.Helper()
	forEachBackend(t, func(t *testing.T, dsn string) {
		fn(t, openTestLedger(t, dsn))
	})
}

// forEachBackend runs fn as a subtest with the DSN of a fresh database on each backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			fn(t, b.dsn(t))
		})
	}
}

func openTestLedger(t *testing.T, dsn string) *Ledger {
	t.Helper()
	l, err := Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	return l
}

// postgresTestDSN creates a database drover_test_<random> on the server named by
// DROVER_TEST_POSTGRES and drops it when t ends. It skips t when the server is
// unreachable, unless DROVER_REQUIRE_POSTGRES=1, and always in -short mode.
func postgresTestDSN(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL: skipped in -short mode")
	}
	server := os.Getenv("DROVER_TEST_POSTGRES")
	if server == "" {
		server = defaultTestPostgres
	}
	admin, err := sql.Open("pgx", server)
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		msg := fmt.Sprintf("PostgreSQL not reachable at %s (set DROVER_TEST_POSTGRES): %v", redactDSN(server), err)
		if os.Getenv("DROVER_REQUIRE_POSTGRES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	name := "drover_test_" + hex.EncodeToString(suffix[:])
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		require.NoError(t, err)
	})
	u, err := url.Parse(server)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// at is a fixed point in time plus d, with sub-microsecond noise the ledger drops.
func at(d time.Duration) time.Time {
	return time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.FixedZone("CET", 3600)).Add(d)
}

func ptr[T any](v T) *T { return &v }

func TestOpenDialectAndPing(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			l := openTestLedger(t, b.dsn(t))
			require.Equal(t, b.name, l.Dialect())
			require.NoError(t, l.Ping(context.Background()))
		})
	}
}

func TestOpenSQLitePrefixes(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{
		"sqlite:" + filepath.Join(dir, "a", "one.db"),
		"sqlite://" + filepath.Join(dir, "b", "two.db"),
		filepath.Join(dir, "c", "three.db"),
	} {
		t.Run(dsn, func(t *testing.T) {
			l := openTestLedger(t, dsn)
			require.Equal(t, DialectSQLite, l.Dialect())
			path, err := sqlitePath(dsn)
			require.NoError(t, err)
			require.FileExists(t, path)
		})
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	for _, dsn := range []string{"", "sqlite:", "/tmp/x.db?mode=ro"} {
		_, err := Open(context.Background(), dsn)
		require.Error(t, err, dsn)
	}
}

func TestOpenSQLiteSettings(t *testing.T) {
	l := openTestLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	ctx := context.Background()
	var mode string
	require.NoError(t, l.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
	var timeout, fk int
	require.NoError(t, l.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout))
	require.Equal(t, 5000, timeout)
	require.NoError(t, l.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
	require.Equal(t, 1, fk)
}

func TestForeignKeysEnforced(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		_, err := l.db.ExecContext(context.Background(), l.rebind(`
			INSERT INTO tasks (build_id, run_id, stage, name, stage_index, task_index, status)
			VALUES (?, ?, ?, ?, 0, 0, 'failed')`), "build/none/x", "r", "s", "n")
		require.Error(t, err)
	})
}

func TestRedactDSN(t *testing.T) {
	got := redactDSN("postgres://drover:s3cret@db:5432/drover?sslmode=disable&password=other")
	require.NotContains(t, got, "s3cret")
	require.NotContains(t, got, "other")
	require.Contains(t, got, "db:5432/drover")
}

// Connections a burst of concurrent requests opened stay open for the next
// burst: database/sql's default of two idle connections closed the rest,
// so that each request past two opened (and prepared statements on) a
// new connection.
func TestLedgerKeepsConnectionsOfConcurrentRequests(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		const burst = 6
		conns := make([]*sql.Conn, burst)
		for i := range conns {
			c, err := l.db.Conn(ctx)
			require.NoError(t, err)
			conns[i] = c
		}
		for _, c := range conns {
			require.NoError(t, c.Close())
		}
		_, err := l.ChainPushOf(ctx, "p", "0123456789012345678901234567890123456789")
		require.ErrorIs(t, err, ErrNotFound)
		st := l.db.Stats()
		require.Zero(t, st.MaxIdleClosed, "connections closed for want of idle room")
		require.Equal(t, burst, st.OpenConnections)
	})
}
