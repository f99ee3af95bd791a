package ledger

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPushersOfACommit(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		none, err := l.PushersOf(ctx, "web", "aaaa1111")
		require.NoError(t, err)
		require.Empty(t, none)

		require.NoError(t, l.RecordPusher(ctx, "web", "aaaa1111", "mallory"))
		require.NoError(t, l.RecordPusher(ctx, "web", "aaaa1111", "github:bob"))
		require.NoError(t, l.RecordPusher(ctx, "web", "aaaa1111", "mallory"), "recording again changes nothing")
		require.NoError(t, l.RecordPusher(ctx, "api", "aaaa1111", "carol"), "another project's push of the same commit")
		require.NoError(t, l.RecordPusher(ctx, "web", "bbbb2222", "dave"))

		got, err := l.PushersOf(ctx, "web", "aaaa1111")
		require.NoError(t, err)
		require.Equal(t, []string{"github:bob", "mallory"}, got)

		require.Error(t, l.RecordPusher(ctx, "web", "aaaa1111", ""), "an actor is required")
	})
}
