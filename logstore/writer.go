package logstore

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

// MaxLineLength is the longest line written to a log; longer output lines are
// split.
const MaxLineLength = 64 << 10

// TailSize is how much raw output Tail keeps.
const TailSize = 4 << 10

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// LineWriter appends output to a log one timestamped line at a time:
// "<RFC 3339 UTC time with milliseconds> <line>\n". A line is written as soon
// as it is complete, so readers see it while the task still runs (as soon as
// its sink makes it visible). It is safe for concurrent use.
type LineWriter struct {
	mu      sync.Mutex
	f       io.WriteCloser // the sink: gets whole lines only
	partial []byte
	tail    []byte
	err     error // first write error, returned by every later call
	now     func() time.Time
}

// newLineWriter returns a LineWriter writing whole timestamped lines to sink,
// which it closes on Close.
func newLineWriter(sink io.WriteCloser) *LineWriter {
	return &LineWriter{f: sink, now: time.Now}
}

// Write appends p to the log, writing each line it completes.
func (w *LineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	w.keepTail(p)
	ts := w.timestamp()
	var out []byte
	for rest := p; len(rest) > 0; {
		i := indexNewline(rest, MaxLineLength-len(w.partial))
		if i < 0 {
			w.partial = append(w.partial, rest...)
			break
		}
		line := rest[:i]
		rest = rest[i:]
		if len(rest) > 0 && rest[0] == '\n' {
			rest = rest[1:]
		}
		w.partial = append(w.partial, line...)
		out = appendLine(out, ts, trimCR(w.partial))
		w.partial = w.partial[:0]
	}
	if err := w.write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Printf appends one line (or several, if the text holds newlines) written by
// Drover itself, such as "=== attempt 2 on host X ===". It is not part of
// Tail. Errors are kept and returned by Close.
func (w *LineWriter) Printf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	ts := w.timestamp()
	var out []byte
	msg := []byte(fmt.Sprintf(format, args...))
	for len(msg) > 0 {
		i := indexNewline(msg, MaxLineLength)
		if i < 0 {
			i = len(msg)
		}
		out = appendLine(out, ts, msg[:i])
		msg = msg[i:]
		if len(msg) > 0 && msg[0] == '\n' {
			msg = msg[1:]
		}
	}
	_ = w.write(out)
}

// Tail returns the last TailSize bytes of the output given to Write, without
// timestamps, starting at a character boundary.
func (w *LineWriter) Tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.tail
	for len(t) > 0 && !utf8.RuneStart(t[0]) {
		t = t[1:]
	}
	return string(t)
}

// Close writes a pending partial line and closes the log.
func (w *LineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return w.err
	}
	if len(w.partial) > 0 && w.err == nil {
		_ = w.write(appendLine(nil, w.timestamp(), trimCR(w.partial)))
		w.partial = nil
	}
	if err := w.f.Close(); err != nil && w.err == nil {
		w.err = fmt.Errorf("close log: %w", err)
	}
	w.f = nil
	err := w.err
	if err == nil {
		w.err = os.ErrClosed
	}
	return err
}

func (w *LineWriter) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := w.f.Write(b); err != nil {
		w.err = fmt.Errorf("write log: %w", err)
		return w.err
	}
	return nil
}

func (w *LineWriter) keepTail(p []byte) {
	if len(p) >= TailSize {
		w.tail = append(w.tail[:0], p[len(p)-TailSize:]...)
		return
	}
	if over := len(w.tail) + len(p) - TailSize; over > 0 {
		w.tail = append(w.tail[:0], w.tail[over:]...)
	}
	w.tail = append(w.tail, p...)
}

func (w *LineWriter) timestamp() []byte {
	return w.now().UTC().AppendFormat(nil, timeLayout)
}

// indexNewline returns the index of the first '\n' in b if it is at most
// limit, else limit when b is longer than limit, else -1.
func indexNewline(b []byte, limit int) int {
	if limit < 0 {
		limit = 0
	}
	for i, c := range b {
		if c == '\n' {
			return i
		}
		if i >= limit {
			return limit
		}
	}
	return -1
}

func appendLine(out, ts, line []byte) []byte {
	out = append(out, ts...)
	out = append(out, ' ')
	out = append(out, line...)
	return append(out, '\n')
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
