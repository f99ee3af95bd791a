package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testToken = "tok-3q2+7w_secret-value"

func sampleCallback(token string) Callback {
	return Callback{
		Token: token, TaskToken: []byte{0x00, 0xff, 0x10, 'x'}, Kind: "deploy",
		PromotionID: "promote/foas/1.0.0", Environment: "prod",
		CreatedAt: at(0), ExpiresAt: at(time.Hour),
	}
}

func TestConsumeCallbackOnce(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		fixedClock(l, at(time.Minute))
		c := sampleCallback(testToken)
		require.NoError(t, l.CreateCallback(ctx, c))

		got, err := l.ConsumeCallback(ctx, testToken)
		require.NoError(t, err)
		want := c
		want.CreatedAt, want.ExpiresAt = normTime(at(0)), normTime(at(time.Hour))
		require.Equal(t, want, got)

		_, err = l.ConsumeCallback(ctx, testToken)
		require.ErrorIs(t, err, ErrCallbackUsed)
		require.NotContains(t, err.Error(), testToken)
	})
}

func TestConsumeCallbackUnknownOrExpired(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		require.NoError(t, l.CreateCallback(ctx, sampleCallback(testToken)))
		never := sampleCallback("never-expires")
		never.ExpiresAt = time.Time{}
		require.NoError(t, l.CreateCallback(ctx, never))

		fixedClock(l, at(time.Hour)) // the instant it expires
		_, err := l.ConsumeCallback(ctx, testToken)
		require.ErrorIs(t, err, ErrNotFound)
		require.NotContains(t, err.Error(), testToken)
		_, err = l.ConsumeCallback(ctx, "unknown")
		require.ErrorIs(t, err, ErrNotFound)
		_, err = l.ConsumeCallback(ctx, "")
		require.ErrorIs(t, err, ErrNotFound)

		fixedClock(l, at(1000*time.Hour))
		got, err := l.ConsumeCallback(ctx, "never-expires")
		require.NoError(t, err, "a zero ExpiresAt never expires")
		require.True(t, got.ExpiresAt.IsZero())
	})
}

func TestCallbackTokenStoredHashed(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		require.NoError(t, l.CreateCallback(ctx, sampleCallback(testToken)))
		var hash, kind, promotion, environment string
		require.NoError(t, l.db.QueryRowContext(ctx,
			"SELECT token_sha256, kind, promotion_id, environment FROM callbacks").Scan(&hash, &kind, &promotion, &environment))
		sum := sha256.Sum256([]byte(testToken))
		require.Equal(t, hex.EncodeToString(sum[:]), hash)
		for _, v := range []string{hash, kind, promotion, environment} {
			require.NotContains(t, v, testToken)
		}
	})
}

func TestConsumeCallbackConcurrently(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		fixedClock(l, at(time.Minute))
		require.NoError(t, l.CreateCallback(ctx, sampleCallback(testToken)))
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errs[i] = l.ConsumeCallback(ctx, testToken) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			require.ErrorIs(t, err, ErrCallbackUsed)
		}
		require.Equal(t, 1, ok, "exactly one caller consumes the token")
	})
}

func TestCreateCallbackRejects(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		require.Error(t, l.CreateCallback(ctx, sampleCallback("")))
		noTask := sampleCallback(testToken)
		noTask.TaskToken = nil
		require.Error(t, l.CreateCallback(ctx, noTask))

		require.NoError(t, l.CreateCallback(ctx, sampleCallback(testToken)))
		err := l.CreateCallback(ctx, sampleCallback(testToken))
		require.Error(t, err, "a token is stored once")
		require.NotContains(t, err.Error(), testToken)
		require.Equal(t, 1, countRows(t, l, "callbacks"))
	})
}
