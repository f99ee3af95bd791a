package logstore

import (
	"fmt"
	"io"
	"os"
	"slices"
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
	// mask, when set, rewrites every line (secrets masked) before it is
	// written or kept in the tail; see SetMask.
	mask func([]byte) []byte
	// limit, when positive, bounds the output bytes written; see SetLimit.
	limit   int64
	written int64
	cut     bool
}

// SetMask makes w pass every line, of the output and of Printf, through
// mask before writing it; Tail then holds masked lines. Output is masked a
// whole line at a time, so a value split across writes is masked too. Call it
// before the first Write.
func (w *LineWriter) SetMask(mask func([]byte) []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mask = mask
}

// AddMask masks lines with mask after the mask already set, if any.
func (w *LineWriter) AddMask(mask func([]byte) []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev := w.mask; prev != nil {
		w.mask = func(b []byte) []byte { return mask(prev(b)) }
		return
	}
	w.mask = mask
}

// SetLimit bounds the output given to Write that is kept to n bytes (n <= 0:
// no limit): past it, one last line says the output was cut and the rest is
// dropped (Printf lines are still written).
func (w *LineWriter) SetLimit(n int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limit = n
}

// newLineWriter returns a LineWriter writing whole timestamped lines to sink,
// which it closes on Close.
func newLineWriter(sink io.WriteCloser) *LineWriter {
	return &LineWriter{f: sink, now: time.Now}
}

// NewLineWriter returns a LineWriter writing whole timestamped lines to sink,
// which it closes on Close; it is how other implementations of Logs (and
// tests) make their writers.
func NewLineWriter(sink io.WriteCloser) *LineWriter {
	return newLineWriter(sink)
}

// Write appends p to the log, writing each line it completes.
func (w *LineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	if w.cut {
		return len(p), nil
	}
	if w.limit > 0 && w.written+int64(len(p)) > w.limit {
		// Keep what fits, then say so.
		keep := max(w.limit-w.written, 0)
		n := len(p)
		if _, err := w.writeOutput(p[:keep]); err != nil {
			return 0, err
		}
		if len(w.partial) > 0 {
			_ = w.write(w.emitLine(w.timestamp(), trimCR(w.partial), nil))
			w.partial = w.partial[:0]
		}
		w.cut = true
		_ = w.write(appendLine(nil, w.timestamp(), fmt.Appendf(nil,
			"=== output cut: the script printed more than %d bytes (DROVER_TASK_LOG_LIMIT); the rest is dropped ===", w.limit)))
		return n, w.err
	}
	return w.writeOutput(p)
}

func (w *LineWriter) writeOutput(p []byte) (int, error) {
	w.written += int64(len(p))
	if w.mask == nil {
		w.keepTail(p)
	}
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
		out = w.emitLine(ts, trimCR(w.partial), out)
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
		line := msg[:i]
		if w.mask != nil {
			line = w.mask(line)
		}
		out = appendLine(out, ts, line)
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
	if w.mask != nil && len(w.partial) > 0 {
		t = append(slices.Clone(t), w.mask(trimCR(w.partial))...)
		if len(t) > TailSize {
			t = t[len(t)-TailSize:]
		}
	}
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
		_ = w.write(w.emitLine(w.timestamp(), trimCR(w.partial), nil))
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

// emitLine appends the log line of an output line to out, masked when a mask
// is set (and then kept in the tail, masked).
func (w *LineWriter) emitLine(ts, line, out []byte) []byte {
	if w.mask != nil {
		line = w.mask(line)
		w.keepTail(line)
		w.keepTail([]byte{'\n'})
	}
	return appendLine(out, ts, line)
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
