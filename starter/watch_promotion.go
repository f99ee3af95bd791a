package starter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/drover-ci/drover/workflows"
)

// WatchPromotion polls promotion id and draws it to out until it ends, and
// returns its final state. A promotion waiting for an approval is running:
// watching it waits too.
func WatchPromotion(ctx context.Context, c *Client, id string, out io.Writer, o WatchOptions) (workflows.PromotionState, error) {
	interval := o.Interval
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var prev *workflows.PromotionState
	drawn, failures := 0, 0
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		st, err := c.GetPromotion(ctx, id)
		switch {
		case err == nil:
			failures = 0
			if o.Terminal {
				drawn = redraw(out, drawn, RenderPromotion(st, now()))
			} else {
				for _, line := range PromotionChanges(prev, st, now()) {
					fmt.Fprintln(out, line)
				}
			}
			if st.Status != workflows.PromotionRunning {
				return st, nil
			}
			prev = &st
		case ctx.Err() != nil:
			return workflows.PromotionState{}, ctx.Err()
		default:
			var apiErr *APIError
			failures++
			if errors.As(err, &apiErr) && apiErr.Status < 500 || failures >= maxPollFailures {
				return workflows.PromotionState{}, err
			}
		}
		select {
		case <-ctx.Done():
			return workflows.PromotionState{}, ctx.Err()
		case <-ticker.C:
		}
	}
}
