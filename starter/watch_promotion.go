package starter

import (
	"context"
	"io"

	"github.com/drover-ci/drover/workflows"
)

// WatchPromotion polls promotion id and draws it to out until it ends, and
// returns its final state. A promotion waiting for an approval is running:
// watching it waits too.
func WatchPromotion(ctx context.Context, c *Client, id string, out io.Writer, o WatchOptions) (workflows.PromotionState, error) {
	return watch(ctx, out, o, watcher[workflows.PromotionState]{
		fetch:   func(ctx context.Context) (workflows.PromotionState, error) { return c.GetPromotion(ctx, id) },
		render:  RenderPromotion,
		changes: PromotionChanges,
		running: func(st workflows.PromotionState) bool { return st.Status == workflows.PromotionRunning },
	})
}
