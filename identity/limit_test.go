package identity

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFailureLimiterBlocksOnlyTheFailingClient(t *testing.T) {
	var l FailureLimiter
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := range DefaultMaxFailures {
		_, blocked := l.Blocked("198.51.100.7", t0.Add(time.Duration(i)*time.Second))
		require.False(t, blocked, "failure %d", i)
		l.Fail("198.51.100.7", t0.Add(time.Duration(i)*time.Second))
	}
	wait, blocked := l.Blocked("198.51.100.7", t0.Add(20*time.Second))
	require.True(t, blocked)
	require.Equal(t, 40*time.Second, wait, "until the window of the first failure ends")
	_, blocked = l.Blocked("203.0.113.9", t0.Add(20*time.Second))
	require.False(t, blocked, "another client is not blocked")
	_, blocked = l.Blocked("198.51.100.7", t0.Add(time.Minute))
	require.False(t, blocked, "the block ends with the window")
}
