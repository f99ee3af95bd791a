package starter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/drover-ci/drover/contracts"
)

// DefaultWatchInterval is how often a watched build is polled.
const DefaultWatchInterval = 500 * time.Millisecond

// maxPollFailures is how many polls in a row may fail (the API restarting,
// say) before watching gives up.
const maxPollFailures = 10

// WatchOptions says how a build is watched.
type WatchOptions struct {
	// Interval between polls; zero means DefaultWatchInterval.
	Interval time.Duration
	// Terminal redraws the view in place with ANSI escapes; otherwise only
	// changes are printed, one a line.
	Terminal bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Watch polls build id and draws it to out until the build ends, and
// returns its final state.
func Watch(ctx context.Context, c *Client, id string, out io.Writer, o WatchOptions) (contracts.BuildState, error) {
	return watch(ctx, out, o, watcher[contracts.BuildState]{
		fetch:   func(ctx context.Context) (contracts.BuildState, error) { return c.GetBuild(ctx, id) },
		render:  RenderWatch,
		changes: Changes,
		running: func(st contracts.BuildState) bool { return st.Status == contracts.StatusRunning },
	})
}

// watcher is what watch needs to know of one kind of run (build,
// promotion): how to fetch its state, draw it whole, list what changed and
// tell whether it still runs.
type watcher[S any] struct {
	fetch   func(ctx context.Context) (S, error)
	render  func(st S, now time.Time) string
	changes func(prev *S, cur S, now time.Time) []string
	running func(st S) bool
}

// watch polls w and draws each state to out until the run ends, and
// returns its final state. A poll that fails with a server error is
// retried, up to maxPollFailures in a row; any other failure ends watching.
func watch[S any](ctx context.Context, out io.Writer, o WatchOptions, w watcher[S]) (S, error) {
	var zero S
	interval := o.Interval
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var prev *S
	drawn, failures := 0, 0
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		st, err := w.fetch(ctx)
		switch {
		case err == nil:
			failures = 0
			if o.Terminal {
				drawn = redraw(out, drawn, w.render(st, now()))
			} else {
				for _, line := range w.changes(prev, st, now()) {
					fmt.Fprintln(out, line)
				}
			}
			if !w.running(st) {
				return st, nil
			}
			prev = &st
		case ctx.Err() != nil:
			return zero, ctx.Err()
		default:
			var apiErr *APIError
			failures++
			if errors.As(err, &apiErr) && apiErr.Status < 500 || failures >= maxPollFailures {
				return zero, err
			}
		}
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-ticker.C:
		}
	}
}

// redraw replaces the previous drawing of drawn lines with view and returns
// the number of lines drawn now.
func redraw(out io.Writer, drawn int, view string) int {
	if drawn > 0 {
		// Move up to the first line drawn, then clear to the end of the screen.
		fmt.Fprintf(out, "\x1b[%dA\x1b[J", drawn)
	}
	_, _ = io.WriteString(out, view)
	return strings.Count(view, "\n")
}
