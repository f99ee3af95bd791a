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
	"syscall"
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

// openRunLog opens a run log for appending (a variable for tests).
var openRunLog = openAppend

// maxIdleRunLogs is how many run logs no writer uses a runLogFiles keeps open.
const maxIdleRunLogs = 32

// runLogFiles keeps the run logs its writers opened open, and gives the
// same file to the next writers of the run: the tasks of a stage, and of
// the next stages, write their run's log without opening it again (an
// open and a close per task, the costliest part of a task's log after the
// run log's creation). Each writer appends whole lines with one write(2)
// to the file opened with O_APPEND, as writers of their own files do.
// Up to maxIdleRunLogs files that no writer uses stay open; a file
// removed meanwhile (its link count 0: the log or its directory deleted)
// is opened again, so that no line goes to a file nobody can read.
type runLogFiles struct {
	mu    sync.Mutex
	files map[string]*runLogFile
	tick  uint64 // counts releases, to find the least recently used idle file
}

// runLogFile is a run log's open file and its writers.
type runLogFile struct {
	path     string
	f        *os.File
	err      error         // why it could not be opened
	opened   chan struct{} // closed once f (or err) is set
	refs     int           // writers using it
	lastUsed uint64        // tick of its last release
	gone     bool          // no longer in files: closed by its last writer
}

// writer opens the run log at path for appending (creating it and its
// directory if needed), or takes it open, and returns a LineWriter writing
// tag's lines to it.
func (c *runLogFiles) writer(key, path, tag string) (*LineWriter, error) {
	rf, err := c.acquire(path)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", key, err)
	}
	return newLineWriter(&taggedSink{f: rf.f, tag: []byte(tag + " "), release: func() error { return c.release(rf) }}), nil
}

// acquire returns the open run log at path for one more writer. The
// writers that ask for a run log nobody has open at once (a stage's tasks)
// wait for the first to open it, rather than each opening it.
func (c *runLogFiles) acquire(path string) (*runLogFile, error) {
	c.mu.Lock()
	rf := c.files[path]
	if rf != nil {
		select {
		case <-rf.opened:
			if rf.err == nil && !linked(rf.f) {
				c.forget(rf)
				rf = nil
			}
		default: // being opened
		}
	}
	if rf != nil {
		rf.refs++
		c.mu.Unlock()
		<-rf.opened
		if rf.err != nil {
			_ = c.release(rf)
			return nil, rf.err
		}
		return rf, nil
	}
	if c.files == nil {
		c.files = map[string]*runLogFile{}
	}
	rf = &runLogFile{path: path, refs: 1, opened: make(chan struct{})}
	c.files[path] = rf
	c.mu.Unlock()

	f, err := openRunLog(path)
	c.mu.Lock()
	rf.f, rf.err = f, err
	close(rf.opened)
	if err != nil {
		rf.refs--
		delete(c.files, path)
		rf.gone = true
		c.mu.Unlock()
		return nil, err
	}
	c.evict()
	c.mu.Unlock()
	return rf, nil
}

// release ends a writer's use of rf. The file stays open for the next
// writers of its run, unless it was forgotten.
func (c *runLogFiles) release(rf *runLogFile) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rf.refs--
	c.tick++
	rf.lastUsed = c.tick
	if rf.gone && rf.refs == 0 {
		if rf.f == nil {
			return nil // never opened
		}
		return rf.f.Close()
	}
	if rf.refs == 0 {
		c.evict()
	}
	return nil
}

// forget drops rf from the open files (c.mu held); it is closed now if no
// writer uses it, by its last writer otherwise.
func (c *runLogFiles) forget(rf *runLogFile) {
	delete(c.files, rf.path)
	rf.gone = true
	if rf.refs == 0 && rf.f != nil {
		_ = rf.f.Close()
	}
}

// evict closes the least recently used idle files beyond maxIdleRunLogs (c.mu held).
func (c *runLogFiles) evict() {
	idle := 0
	for _, rf := range c.files {
		if rf.refs == 0 {
			idle++
		}
	}
	for ; idle > maxIdleRunLogs; idle-- {
		var oldest *runLogFile
		for _, rf := range c.files {
			if rf.refs == 0 && (oldest == nil || rf.lastUsed < oldest.lastUsed) {
				oldest = rf
			}
		}
		c.forget(oldest)
	}
}

// linked reports whether f's file still has a name (it was not deleted).
func linked(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || st.Nlink > 0
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
	// release ends the writer's use of f, which others may share.
	release func() error
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
	return s.release()
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
