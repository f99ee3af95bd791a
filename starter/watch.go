package starter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/drover-ci/drover/workflows"
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
func Watch(ctx context.Context, c *Client, id string, out io.Writer, o WatchOptions) (workflows.BuildState, error) {
	interval := o.Interval
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var prev *workflows.BuildState
	drawn, failures := 0, 0
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		st, err := c.GetBuild(ctx, id)
		switch {
		case err == nil:
			failures = 0
			if o.Terminal {
				drawn = redraw(out, drawn, RenderWatch(st, now()))
			} else {
				for _, line := range Changes(prev, st, now()) {
					fmt.Fprintln(out, line)
				}
			}
			if st.Status != workflows.StatusRunning {
				return st, nil
			}
			prev = &st
		case ctx.Err() != nil:
			return workflows.BuildState{}, ctx.Err()
		default:
			var apiErr *APIError
			failures++
			if errors.As(err, &apiErr) && apiErr.Status < 500 || failures >= maxPollFailures {
				return workflows.BuildState{}, err
			}
		}
		select {
		case <-ctx.Done():
			return workflows.BuildState{}, ctx.Err()
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
