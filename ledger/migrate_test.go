package ledger

import (
	"context"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func migrationCount(t *testing.T, l *Ledger) int {
	t.Helper()
	var n int
	require.NoError(t, l.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM schema_migrations").Scan(&n))
	return n
}

func TestMigrationsIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		want, err := loadMigrations(migrationFiles, backendDialect(dsn))
		require.NoError(t, err)
		require.NotEmpty(t, want)

		first := openTestLedger(t, dsn)
		require.NoError(t, first.RecordBuildStarted(ctx, Build{ID: "b", RunID: "r", Project: "p", StartedAt: at(0)}))
		require.NoError(t, first.Close())

		second, err := Open(ctx, dsn)
		require.NoError(t, err)
		defer second.Close()
		require.Equal(t, len(want), migrationCount(t, second))
		v, err := second.SchemaVersion(ctx)
		require.NoError(t, err)
		require.Equal(t, want[len(want)-1].Version, v)
		builds, err := second.ListBuilds(ctx, BuildFilter{})
		require.NoError(t, err)
		require.Len(t, builds, 1, "reopening must keep the data")
	})
}

func TestConcurrentOpen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		const n = 4
		ledgers := make([]*Ledger, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { ledgers[i], errs[i] = Open(context.Background(), dsn) })
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			defer ledgers[i].Close()
		}
		want, err := loadMigrations(migrationFiles, ledgers[0].Dialect())
		require.NoError(t, err)
		require.Equal(t, len(want), migrationCount(t, ledgers[0]))
		// Both processes can write at once afterwards.
		wg = sync.WaitGroup{}
		for i := range n {
			wg.Go(func() {
				errs[i] = ledgers[i].RecordBuildStarted(context.Background(),
					Build{ID: "b", RunID: string(rune('a' + i)), Project: "p", StartedAt: at(0)})
			})
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
		}
		builds, err := ledgers[0].ListBuilds(context.Background(), BuildFilter{})
		require.NoError(t, err)
		require.Len(t, builds, n)
	})
}

func backendDialect(dsn string) string {
	if isPostgresDSN(dsn) {
		return DialectPostgres
	}
	return DialectSQLite
}

func TestLoadMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0001_init.sql":         {Data: []byte("CREATE TABLE a (t {{timestamp}}, b {{blob}});")},
		"migrations/0002_idx.sql":          {Data: []byte("shared")},
		"migrations/0002_idx.postgres.sql": {Data: []byte("postgres only")},
		"migrations/0003_fts.sqlite.sql":   {Data: []byte("sqlite only")},
		"migrations/0010_later.sql":        {Data: []byte("later")},
		"migrations/README.txt":            {Data: []byte("ignored: not .sql")},
	}
	tests := []struct {
		dialect string
		want    []migration
	}{
		{DialectSQLite, []migration{
			{1, "migrations/0001_init.sql", "CREATE TABLE a (t TEXT, b BLOB);"},
			{2, "migrations/0002_idx.sql", "shared"},
			{3, "migrations/0003_fts.sqlite.sql", "sqlite only"},
			{10, "migrations/0010_later.sql", "later"},
		}},
		{DialectPostgres, []migration{
			{1, "migrations/0001_init.sql", "CREATE TABLE a (t TIMESTAMPTZ, b BYTEA);"},
			{2, "migrations/0002_idx.postgres.sql", "postgres only"},
			{10, "migrations/0010_later.sql", "later"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			got, err := loadMigrations(fsys, tt.dialect)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLoadMigrationsErrors(t *testing.T) {
	tests := map[string]fstest.MapFS{
		"bad name": {"migrations/1_init.sql": {Data: []byte("x")}},
		"duplicate version": {
			"migrations/0001_init.sql":  {Data: []byte("x")},
			"migrations/0001_other.sql": {Data: []byte("y")},
		},
	}
	for name, fsys := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := loadMigrations(fsys, DialectSQLite)
			require.Error(t, err)
		})
	}
}

func TestRebindDollar(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ?", "x = '?' AND y = $1"},
		{"x = 'it''s?' AND y IN (?, ?)", "x = 'it''s?' AND y IN ($1, $2)"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, rebindDollar(tt.in), tt.in)
	}
}
