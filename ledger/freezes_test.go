package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFreezes(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		_, ok, err := l.GetFreeze(ctx, "foas", "prod")
		require.NoError(t, err)
		require.False(t, ok)

		until := at(time.Hour)
		require.NoError(t, l.PutFreeze(ctx, Freeze{Project: "foas", Environment: "prod", Reason: "holiday", By: "erin", At: at(0), Until: &until}))
		require.NoError(t, l.PutFreeze(ctx, Freeze{Project: "foas", Environment: "staging", Reason: "audit", By: "erin", At: at(0)}))
		require.Error(t, l.PutFreeze(ctx, Freeze{Project: "foas", Environment: "dev"}), "a freeze needs a reason")

		l.now = func() time.Time { return at(30 * time.Minute) }
		f, ok, err := l.GetFreeze(ctx, "foas", "prod")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "holiday", f.Reason)
		require.Equal(t, "erin", f.By)
		list, err := l.ListFreezes(ctx, "foas")
		require.NoError(t, err)
		require.Len(t, list, 2)

		// Past its end, a freeze no longer holds.
		l.now = func() time.Time { return at(2 * time.Hour) }
		_, ok, err = l.GetFreeze(ctx, "foas", "prod")
		require.NoError(t, err)
		require.False(t, ok)
		list, err = l.ListFreezes(ctx, "")
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, "staging", list[0].Environment)

		require.NoError(t, l.DeleteFreeze(ctx, "foas", "staging"))
		require.True(t, errors.Is(l.DeleteFreeze(ctx, "foas", "staging"), ErrNotFound))
	})
}
