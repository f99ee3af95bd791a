// Package logstore keeps task logs as append-only, timestamped lines that can
// be read while they are being written: Store on the local filesystem, S3Logs
// in an S3 bucket, where a worker's logs can be read by an API on another
// machine.
package logstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is returned (wrapped) when a log does not exist (yet).
var ErrNotFound = errors.New("log not found")

// DefaultReadMax is the most ReadAt returns when asked for max <= 0.
const DefaultReadMax = 256 << 10

// Logs keeps task logs under slash-separated keys such as TaskKey's.
//
// Writer opens the log under key for appending (creating it if needed); what
// it writes becomes visible to ReadAt as it goes, possibly with a short delay.
// ReadAt returns up to max bytes (DefaultReadMax when max <= 0) of the log
// from offset and the offset to read from next; when the bytes read hold a
// line end they are cut after the last one, so callers see whole lines.
// Offsets are the store's own: a caller reads from 0 and then from the
// offset it was given. At the end of the log it returns no bytes and an
// offset to read from next (offset, or past what the store skipped), and
// errors.Is(err, ErrNotFound) while the log does not exist. Keys that are
// empty, absolute, or hold empty, "." or ".." segments are refused.
type Logs interface {
	Writer(key string) (*LineWriter, error)
	ReadAt(ctx context.Context, key string, offset int64, max int) ([]byte, int64, error)
}

// Store is the filesystem implementation of Logs: it keeps logs as
// append-only files under Dir; the log under key "a/b.log" is the file
// Dir/a/b.log, except that the tasks of a build run share one file, the run
// log (see runlog.go), whose offsets ReadAt returns for their keys.
type Store struct {
	Dir string
	// runLogs are the run logs this Store's writers keep open (see runLogFiles).
	runLogs runLogFiles
}

// New returns a Store keeping logs under dir, created on first write.
func New(dir string) *Store {
	return &Store{Dir: dir}
}

var _ Logs = (*Store)(nil)

// TaskKey is the key of the log of one task of a build run:
// "builds/<escaped buildID>/<runID>/<stage>/<task>.log". Each part is escaped
// into a single path segment (a build ID such as "build/foas/abc" becomes
// "build%2Ffoas%2Fabc"), reversibly with url.PathUnescape.
func TaskKey(buildID, runID, stage, task string) string {
	return strings.Join([]string{"builds", segment(buildID), segment(runID), segment(stage), segment(task) + ".log"}, "/")
}

// PromotionKey is the key of a log of one step of a promotion run in an
// environment: "promotions/<escaped promotionID>/<runID>/<environment>/<step>.log",
// where step is for instance "deploy", "deploy-rollback" or "verify-2". Each
// part is escaped into a single path segment like in TaskKey.
func PromotionKey(promotionID, runID, environment, step string) string {
	return strings.Join([]string{"promotions", segment(promotionID), segment(runID), segment(environment), segment(step) + ".log"}, "/")
}

func segment(s string) string {
	e := url.PathEscape(s)
	if e == "." || e == ".." {
		// Valid once escaped, but they would move the key.
		return strings.ReplaceAll(e, ".", "%2E")
	}
	return e
}

// Writer opens the log under key for appending, creating it if needed. A
// task's log (a TaskKey) goes to its build run's run log, unless the task
// has a file of its own from before the run log (see runlog.go).
func (s *Store) Writer(key string) (*LineWriter, error) {
	return s.writer(key, false)
}

// FreshWriter is Writer for a log that nobody can have written yet: a
// task's first attempt in its build run. It goes to the run log without
// looking for a file of the task's own.
func (s *Store) FreshWriter(key string) (*LineWriter, error) {
	return s.writer(key, true)
}

// FreshWriter is implemented by the Logs that open a log nobody can have
// written yet (a task's first attempt in its run) faster than Writer.
type FreshWriter interface {
	FreshWriter(key string) (*LineWriter, error)
}

var _ FreshWriter = (*Store)(nil)

func (s *Store) writer(key string, fresh bool) (*LineWriter, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	if runLog, tag, ok := runLogKey(key); ok {
		own := false
		if !fresh {
			_, err := os.Lstat(p)
			own = !errors.Is(err, fs.ErrNotExist)
		}
		if !own {
			return s.runLogs.writer(key, filepath.Join(s.Dir, filepath.FromSlash(runLog)), tag)
		}
	}
	f, err := openAppend(p)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", key, err)
	}
	return newLineWriter(f), nil
}

// ReadAt returns up to max bytes (DefaultReadMax when max <= 0) of the log
// under key from offset, and the offset to read from next. When the bytes read
// hold a line end, they are cut after the last one so that callers see whole
// lines. At the end of the log it returns no bytes, and an offset to read
// from next that is offset unchanged for a log of its own file, and past
// the other tasks' lines read for a task's log in its run's run log (see
// readRunLog): a caller keeps reading from the offset returned, never from
// the one it gave.
func (s *Store) ReadAt(ctx context.Context, key string, offset int64, max int) ([]byte, int64, error) {
	max, err := readArgs(ctx, key, offset, max)
	if err != nil {
		return nil, offset, err
	}
	p, err := s.path(key)
	if err != nil {
		return nil, offset, err
	}
	f, err := os.Open(p)
	if runLog, tag, ok := runLogKey(key); ok && errors.Is(err, fs.ErrNotExist) {
		// Not a task log of the per-task layout: the run log's lines.
		f, err := os.Open(filepath.Join(s.Dir, filepath.FromSlash(runLog)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, offset, fmt.Errorf("read log %s: %w", key, ErrNotFound)
		}
		if err != nil {
			return nil, offset, fmt.Errorf("read log %s: %w", key, err)
		}
		defer func() { _ = f.Close() }()
		return readRunLog(f, key, tag, offset, max)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, offset, fmt.Errorf("read log %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, offset, fmt.Errorf("read log %s: %w", key, err)
	}
	defer func() { _ = f.Close() }()
	buf := make([]byte, max)
	n, err := f.ReadAt(buf, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, offset, fmt.Errorf("read log %s: %w", key, err)
	}
	buf = buf[:n]
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i+1]
	}
	return buf, offset + int64(len(buf)), nil
}

func (s *Store) path(key string) (string, error) {
	if err := validateKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.Dir, filepath.FromSlash(key)), nil
}

// validateKey refuses keys that could name something outside the store.
func validateKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return fmt.Errorf("invalid log key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("invalid log key %q", key)
		}
	}
	return nil
}

// readArgs checks a ReadAt call's context and offset and returns the number
// of bytes to read at most.
func readArgs(ctx context.Context, key string, offset int64, max int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if offset < 0 {
		return 0, fmt.Errorf("read log %s: negative offset %d", key, offset)
	}
	if max <= 0 {
		max = DefaultReadMax
	}
	return max, nil
}
