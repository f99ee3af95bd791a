package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

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

		// Whoever triggered a build of the commit is credited too, once.
		at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		for i, who := range []string{"carol", "mallory", ""} {
			require.NoError(t, l.RecordBuildStarted(ctx, Build{ID: "build/web/aaaa1111", RunID: fmt.Sprint("r", i), Project: "web",
				Commit: "aaaa1111", Status: "running", TriggeredBy: who, StartedAt: at}))
		}
		require.NoError(t, l.RecordBuildStarted(ctx, Build{ID: "build/api/aaaa1111", RunID: "r1", Project: "api",
			Commit: "aaaa1111", Status: "running", TriggeredBy: "erin", StartedAt: at}))
		got, err = l.PushersOf(ctx, "web", "aaaa1111")
		require.NoError(t, err)
		require.Equal(t, []string{"carol", "github:bob", "mallory"}, got)
		// CommitOrigin reads the same credit in its one query.
		o, err := l.CommitOrigin(ctx, "web", "aaaa1111")
		require.NoError(t, err)
		require.Equal(t, CommitOrigin{Pushers: got}, o)
		o, err = l.CommitOrigin(ctx, "web", "cccc3333")
		require.NoError(t, err)
		require.Equal(t, CommitOrigin{Pushers: []string{}}, o)

		require.Error(t, l.RecordPusher(ctx, "web", "aaaa1111", ""), "an actor is required")
	})
}
