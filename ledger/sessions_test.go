package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRevokedSessions(t *testing.T) {
	forEachLedger(t, testRevokedSessions)
}

func testRevokedSessions(t *testing.T, l *Ledger) {
	ctx := context.Background()
	revoked, err := l.SessionRevoked(ctx, "s1")
	require.NoError(t, err)
	require.False(t, revoked)
	require.NoError(t, l.RevokeSession(ctx, "s1", time.Now().Add(time.Hour)))
	require.NoError(t, l.RevokeSession(ctx, "s1", time.Now().Add(time.Hour)), "revoking twice is a no-op")
	revoked, err = l.SessionRevoked(ctx, "s1")
	require.NoError(t, err)
	require.True(t, revoked)
	revoked, err = l.SessionRevoked(ctx, "s2")
	require.NoError(t, err)
	require.False(t, revoked)

	// A revocation past its session's expiry is pruned by the next one.
	require.NoError(t, l.RevokeSession(ctx, "old", time.Now().Add(-time.Minute)))
	require.NoError(t, l.RevokeSession(ctx, "s3", time.Now().Add(time.Hour)))
	revoked, err = l.SessionRevoked(ctx, "old")
	require.NoError(t, err)
	require.False(t, revoked)
}
