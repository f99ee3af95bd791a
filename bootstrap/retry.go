// Package bootstrap connects a Drover process to what it depends on — the
// Temporal namespace and the ledger — on any cluster: when a dependency is
// down or not set up yet it says clearly what is wrong, one log line per
// attempt, and retries with capped backoff until the context ends, so
// containers can start in any order.
package bootstrap

import (
	"context"
	"fmt"
	"time"
)

// Backoff between attempts: doubles from first up to max.
const (
	firstRetryDelay = time.Second
	maxRetryDelay   = 10 * time.Second
)

// retry calls attempt until it succeeds or ctx ends. After each failure it
// calls report with the error and the delay before the next attempt.
func retry(ctx context.Context, attempt func() error, report func(err error, delay time.Duration)) error {
	delay := firstRetryDelay
	for {
		err := attempt()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (gave up: %w)", err, context.Cause(ctx))
		}
		report(err, delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up: %w)", err, context.Cause(ctx))
		case <-t.C:
		}
		delay = min(2*delay, maxRetryDelay)
	}
}
