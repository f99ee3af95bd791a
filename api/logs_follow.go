package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/logstore"
)

// logEnd tells whether the writer of a followed log has ended (it will
// write no more) and its final status; it is asked again every state poll.
type logEnd func(ctx context.Context) (ended bool, final string, err error)

// followLog streams a task's log as server-sent events: "data: <line>" for
// each line as it is written, then "event: end" with the task's final
// status once the task has ended and its log is drained. It stops when the
// client goes away.
func (s *Server) followLog(c *gin.Context, req taskLogRequest) {
	ended, final := taskEnded(req.state, req.stage, req.task.Name)
	s.followKey(c, req.key, ended, final, func(ctx context.Context) (bool, string, error) {
		state, err := s.stateOf(ctx, req.state)
		if err != nil {
			return false, "", fmt.Errorf("read build state of %s: %w", req.state.ID, err)
		}
		e, f := taskEnded(state, req.stage, req.task.Name)
		return e, f, nil
	})
}

// followKey streams the log at key as server-sent events until its writer
// has ended (ended now, or as refresh says later) and the log is drained,
// then sends "event: end" with final.
func (s *Server) followKey(c *gin.Context, key string, ended bool, final string, refresh logEnd) {
	ctx := c.Request.Context()
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.Flush()

	f := &logFollower{w: c.Writer, server: s, key: key}
	logTick := time.NewTicker(durationOr(s.LogPollInterval, 200*time.Millisecond))
	defer logTick.Stop()
	stateTick := time.NewTicker(durationOr(s.StatePollInterval, time.Second))
	defer stateTick.Stop()
	for {
		if err := f.drain(c); err != nil {
			if ctx.Err() == nil {
				s.logger().WarnContext(ctx, "follow log failed", "key", key, "error", err)
				_, _ = io.WriteString(c.Writer, "event: error\ndata: log unavailable\n\n")
				c.Writer.Flush()
			}
			return
		}
		if ended {
			f.flushPartial()
			_, _ = fmt.Fprintf(c.Writer, "event: end\ndata: %s\n\n", final)
			c.Writer.Flush()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.closingCh():
			return
		case <-logTick.C:
		case <-stateTick.C:
			e, fin, err := refresh(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				s.logger().WarnContext(ctx, "follow log: read state failed", "key", key, "error", err)
				continue
			}
			// The log is drained once more at the top of the loop before ending.
			ended, final = e, fin
		}
	}
}

// logFollower turns appended log bytes into one event per complete line.
type logFollower struct {
	w       gin.ResponseWriter
	server  *Server
	key     string
	offset  int64
	partial []byte
}

// drain reads everything written since the last read and sends its complete lines.
func (f *logFollower) drain(c *gin.Context) error {
	for {
		data, next, err := f.server.Logs.ReadAt(c.Request.Context(), f.key, f.offset, logChunk)
		if errors.Is(err, logstore.ErrNotFound) {
			return nil // the task has not written anything yet
		}
		if err != nil {
			return fmt.Errorf("read log %s at %d: %w", f.key, f.offset, err)
		}
		// A store may move the offset past what it skipped, data or not.
		f.offset = next
		if len(data) == 0 {
			return nil
		}
		f.partial = append(f.partial, data...)
		sent := false
		for {
			i := bytes.IndexByte(f.partial, '\n')
			if i < 0 {
				break
			}
			f.send(f.partial[:i])
			f.partial = f.partial[i+1:]
			sent = true
		}
		if sent {
			f.w.Flush()
		}
	}
}

// flushPartial sends a last line that did not end with a newline.
func (f *logFollower) flushPartial() {
	if len(f.partial) > 0 {
		f.send(f.partial)
		f.partial = nil
	}
}

func (f *logFollower) send(line []byte) {
	// A carriage return would end the SSE line early.
	line = bytes.ReplaceAll(line, []byte{'\r'}, nil)
	_, _ = f.w.Write([]byte("data: "))
	_, _ = f.w.Write(line)
	_, _ = f.w.Write([]byte("\n\n"))
}
