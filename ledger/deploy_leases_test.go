package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDeployLease(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		now := at(0)
		l.now = func() time.Time { return now }
		ok, err := l.TakeDeployLease(ctx, "foas", "prod", "attempt-1", 10*time.Second)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = l.TakeDeployLease(ctx, "foas", "prod", "attempt-2", 10*time.Second)
		require.NoError(t, err)
		require.False(t, ok, "attempt 1 holds it")
		ok, err = l.TakeDeployLease(ctx, "foas", "staging", "attempt-2", 10*time.Second)
		require.NoError(t, err)
		require.True(t, ok, "another environment is free")

		now = now.Add(8 * time.Second)
		ok, err = l.TakeDeployLease(ctx, "foas", "prod", "attempt-1", 10*time.Second)
		require.NoError(t, err)
		require.True(t, ok, "the holder renews")
		now = now.Add(9 * time.Second)
		ok, err = l.TakeDeployLease(ctx, "foas", "prod", "attempt-2", 10*time.Second)
		require.NoError(t, err)
		require.False(t, ok, "renewed: not expired yet")

		now = now.Add(2 * time.Second)
		ok, err = l.TakeDeployLease(ctx, "foas", "prod", "attempt-2", 10*time.Second)
		require.NoError(t, err)
		require.True(t, ok, "attempt 1 stopped renewing")
		ok, err = l.TakeDeployLease(ctx, "foas", "prod", "attempt-1", 10*time.Second)
		require.NoError(t, err)
		require.False(t, ok, "the stale attempt lost its lease")

		require.NoError(t, l.ReleaseDeployLease(ctx, "foas", "prod", "attempt-1"))
		ok, err = l.TakeDeployLease(ctx, "foas", "prod", "attempt-3", 10*time.Second)
		require.NoError(t, err)
		require.False(t, ok, "a stale holder cannot release another's lease")
		require.NoError(t, l.ReleaseDeployLease(ctx, "foas", "prod", "attempt-2"))
		ok, err = l.TakeDeployLease(ctx, "foas", "prod", "attempt-3", 10*time.Second)
		require.NoError(t, err)
		require.True(t, ok)
	})
}
