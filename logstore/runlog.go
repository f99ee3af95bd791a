package logstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// A Store keeps the task logs of one build run in one file, the run log
// "builds/<build>/<run>%tasks.log" (runLogSuffix), instead of a file per task
// "builds/<build>/<run>/<stage>/<task>.log" in a directory per stage: on
// ext4, creating a file or a directory is the costliest part of opening a
// task's log (about 0.2 ms of kernel time each on the benchmark machine,
// against a few µs to open one that exists), and a build of 3 stages of 5
// tasks created 15 files and 5 directories for its logs. Each line of the run
// log is a line of one task's log behind its tag, "<stage>/<task> " (the
// key's escaped segments, so the tag holds no space), and each write appends
// whole lines with one write(2) to a file opened with O_APPEND, so the tasks
// of a stage, even in several worker processes on the host, write it at
// once without mixing their lines. ReadAt of a task's key returns that
// task's lines without their tag; its offsets are offsets in the run log.
//
// Logs written in the per-task layout, by workers from before the run log,
// are still read, and appended to: a task whose own file exists keeps it.

// runLogSuffix ends the name of a run log after the run's segment. A
// segment (see segment) holds "%" only before two hex digits, so no key of
// the per-task layout names this file or a directory of the same name.
const runLogSuffix = "%tasks.log"

// runLogReadSize is how much of a run log ReadAt reads at a time.
const runLogReadSize = 64 << 10

// runLogBufs holds read buffers of runLogReadSize bytes, so that a read of a
// run log (a follower reads one every poll) does not allocate one each time.
var runLogBufs = sync.Pool{New: func() any { b := make([]byte, runLogReadSize); return &b }}

// runLogKey returns, for a key of TaskKey's shape, the key of its build
// run's run log and the tag of the task's lines in it; ok is false for any
// other key, whose log keeps its own file. Keys whose stage or task holds a
// space or a line break (no TaskKey does) keep their own file too, as their
// tag would be ambiguous.
func runLogKey(key string) (runLog, tag string, ok bool) {
	seg := strings.Split(key, "/")
	if len(seg) != 5 || seg[0] != "builds" || !strings.HasSuffix(seg[4], ".log") {
		return "", "", false
	}
	tag = seg[3] + "/" + strings.TrimSuffix(seg[4], ".log")
	if strings.ContainsAny(tag, " \r\n") {
		return "", "", false
	}
	return seg[0] + "/" + seg[1] + "/" + seg[2] + runLogSuffix, tag, true
}

// runLogWriter opens the run log at path for appending (creating it and its
// directory if needed) and returns a LineWriter writing tag's lines to it.
func runLogWriter(key, path, tag string) (*LineWriter, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", key, err)
	}
	return newLineWriter(&taggedSink{f: f, tag: []byte(tag + " ")}), nil
}

// openAppend opens path for appending, creating it, and its directory when
// it is the first file there (most find it there already, and skip
// MkdirAll's stats).
func openAppend(path string) (*os.File, error) {
	const flags = os.O_WRONLY | os.O_APPEND | os.O_CREATE
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(path, flags, 0o644)
	}
	return f, err
}

// taggedSink writes whole lines (as a LineWriter gives them) to a run log,
// each behind tag, with one write per call.
type taggedSink struct {
	f   *os.File
	tag []byte
	buf []byte
}

// Write is given whole lines only (its LineWriter ends every write with a
// line end), so each tagged line it writes ends with one too.
func (s *taggedSink) Write(p []byte) (int, error) {
	buf := s.buf[:0]
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		buf = append(buf, s.tag...)
		buf = append(buf, line...)
		rest = rest[len(line):]
	}
	if _, err := s.f.Write(buf); err != nil {
		return 0, err
	}
	if cap(buf) <= 4*runLogReadSize {
		s.buf = buf
	}
	return len(p), nil
}

func (s *taggedSink) Close() error {
	return s.f.Close()
}

// readRunLog is ReadAt of tag's lines in the run log f, from offset in f.
// It returns whole lines, except that a line longer than max comes in
// pieces of max bytes: offset then points into that line of the run log,
// which the next read recognises by the byte before it (not a line end).
// It reads on past other tasks' lines until it has some of tag's or reaches
// the end; there, with nothing of tag's read, it returns no bytes and the
// offset past the other tasks' lines: the offset unchanged, and an error
// wrapping ErrNotFound, when the run log holds nothing of tag's at all.
func readRunLog(f *os.File, key, tag string, offset int64, max int) ([]byte, int64, error) {
	prefix := []byte(tag + " ")
	// piece: the line at offset is one of tag's, read in part already.
	piece := false
	if offset > 0 {
		var b [1]byte
		if _, err := f.ReadAt(b[:], offset-1); err != nil {
			return nil, offset, fmt.Errorf("read log %s: %w", key, err)
		}
		piece = b[0] != '\n'
	}
	pooled := runLogBufs.Get().(*[]byte)
	defer runLogBufs.Put(pooled)
	buf := *pooled
	var out []byte
	pos := offset // where the next line (or piece) to look at starts
	for {
		n, err := f.ReadAt(buf, pos)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, offset, fmt.Errorf("read log %s: %w", key, err)
		}
		chunk := buf[:n]
		done := 0 // bytes of chunk looked at: whole lines
		for {
			end := bytes.IndexByte(chunk[done:], '\n')
			if end < 0 {
				break // the rest is not a whole line (yet)
			}
			line := chunk[done : done+end+1]
			skip := 0 // the tag before the line's text
			switch {
			case piece:
				piece = false
			case bytes.HasPrefix(line, prefix):
				skip = len(prefix)
			default:
				done += len(line) // another task's line
				continue
			}
			body := line[skip:]
			if len(out)+len(body) > max {
				if len(out) > 0 {
					return out, pos + int64(done), nil // the line is the next read's
				}
				// A line longer than max: its first max bytes (a copy: buf
				// goes back to the pool).
				return bytes.Clone(body[:max]), pos + int64(done+skip+max), nil
			}
			out = append(out, body...)
			done += len(line)
		}
		pos += int64(done)
		switch {
		case n < len(buf) || len(out) > 0:
			if len(out) == 0 && offset == 0 {
				return nil, offset, fmt.Errorf("read log %s: %w", key, ErrNotFound)
			}
			return out, pos, nil
		case done == 0:
			// A line longer than the buffer: a larger one reads it whole.
			buf = make([]byte, 2*len(buf))
		}
	}
}
