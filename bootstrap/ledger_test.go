package bootstrap

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOpenLedgerRetriesWithoutLeakingThePassword(t *testing.T) {
	port := freePort(t)
	dsn := "postgres://drover:s3cret-pw@" + port + "/drover?sslmode=disable&password=s3cret-pw"
	logger, logs := newCapturedLogger()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		l, err := OpenLedger(ctx, dsn, logger)
		if l != nil {
			l.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return logs.count("cannot open the ledger; retrying") >= 2 },
		time.Minute, 50*time.Millisecond, "want a retry line per attempt; got %s", logs)
	cancel()
	err := <-done
	require.Error(t, err)
	require.ErrorIs(t, err, context.Canceled)
	out := logs.String()
	require.Contains(t, out, "ledger=postgres://drover:xxxxx@"+port+"/drover")
	require.Contains(t, out, "retry_in=")
	require.NotContains(t, out, "s3cret-pw")
	require.NotContains(t, err.Error(), "s3cret-pw")
}

func TestOpenLedgerOpensAtOnce(t *testing.T) {
	logger, logs := newCapturedLogger()
	l, err := OpenLedger(t.Context(), filepath.Join(t.TempDir(), "ledger.db"), logger)
	require.NoError(t, err)
	defer l.Close()
	require.Zero(t, logs.count("retrying"))
}

func TestRedactDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:pw@db:5432/drover?sslmode=disable": "postgres://u:xxxxx@db:5432/drover",
		"postgresql://db/drover?password=pw":             "postgresql://db/drover",
		".drover/data/ledger.db":                         ".drover/data/ledger.db",
	} {
		require.Equal(t, want, redactDSN(dsn), dsn)
	}
}

// freePort is host:port of a loopback port nothing listens on (just closed).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
