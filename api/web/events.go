package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// stream sends read's result as a server-sent event ("data: <json>") each
// time it changes, re-reading every PollInterval, until the client leaves,
// the server shuts down, or ended says the state is final (then "event: end").
func (p *Pages) stream(c *gin.Context, read func(ctx context.Context) (any, error), ended func(any) bool) {
	ctx := c.Request.Context()
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.Flush()
	tick := time.NewTicker(p.opts.PollInterval)
	defer tick.Stop()
	var last []byte
	idle := 0
	for {
		v, err := read(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			p.opts.Logger.WarnContext(ctx, "web event stream: read failed", "route", c.FullPath(), "error", err)
			_, _ = fmt.Fprint(c.Writer, "event: error\ndata: state unavailable\n\n")
		default:
			data, err := json.Marshal(v)
			if err != nil {
				p.opts.Logger.ErrorContext(ctx, "web event stream: encode failed", "error", err)
				return
			}
			if !bytes.Equal(data, last) {
				_, _ = fmt.Fprintf(c.Writer, "data: %s\n\n", data)
				last, idle = data, 0
			} else if idle++; idle%15 == 0 {
				_, _ = fmt.Fprint(c.Writer, ": keep-alive\n\n")
			}
			if ended != nil && ended(v) {
				_, _ = fmt.Fprint(c.Writer, "event: end\ndata: {}\n\n")
				c.Writer.Flush()
				return
			}
		}
		c.Writer.Flush()
		select {
		case <-ctx.Done():
			return
		case <-p.opts.Closing:
			return
		case <-tick.C:
		}
	}
}
