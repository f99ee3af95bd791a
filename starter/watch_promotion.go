package starter

import (
	"context"
	"io"

	"github.com/drover-ci/drover/contracts"
)

// WatchPromotion polls promotion id and draws it to out until it ends, and
// returns its final state. A promotion waiting for an approval is running:
// watching it waits too.
func WatchPromotion(ctx context.Context, c *Client, id string, out io.Writer, o WatchOptions) (contracts.PromotionState, error) {
	return watch(ctx, out, o, watcher[contracts.PromotionState]{
		fetch:   func(ctx context.Context) (contracts.PromotionState, error) { return c.GetPromotion(ctx, id) },
		render:  RenderPromotion,
		changes: PromotionChanges,
		running: func(st contracts.PromotionState) bool { return st.Status == contracts.PromotionRunning },
	})
}
