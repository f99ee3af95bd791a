package logstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeLine writes one line to key's log with a writer of its own.
func writeLine(t *testing.T, s *Store, key, line string, fresh bool) {
	t.Helper()
	open := s.Writer
	if fresh {
		open = s.FreshWriter
	}
	w, err := open(key)
	require.NoError(t, err)
	w.Printf("%s", line)
	require.NoError(t, w.Close())
}

// logText reads key's whole log.
func logText(t *testing.T, s *Store, key string) string {
	t.Helper()
	b, _, err := s.ReadAt(context.Background(), key, 0, 0)
	require.NoError(t, err)
	return string(b)
}

// The tasks of a run, one after another, write through one open file of
// their run log, which stays open once they are done.
func TestRunLogFileStaysOpenForTheRunsNextTasks(t *testing.T) {
	s := New(t.TempDir())
	first, second := TaskKey("build/p/c", "run-1", "test", "unit"), TaskKey("build/p/c", "run-1", "package", "tar")
	writeLine(t, s, first, "one", true)
	require.Len(t, s.runLogs.files, 1)
	var f *os.File
	for _, rf := range s.runLogs.files {
		f = rf.f
		require.Zero(t, rf.refs, "no writer uses it now")
	}
	writeLine(t, s, second, "two", true)
	for _, rf := range s.runLogs.files {
		require.Same(t, f, rf.f, "the second task took the file the first opened")
	}
	require.Contains(t, logText(t, s, first), "one")
	require.Contains(t, logText(t, s, second), "two")
}

// A run log deleted under the worker (its directory removed) is opened
// again: no line goes to a file nobody can read.
func TestRunLogDeletedIsOpenedAgain(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	key := TaskKey("build/p/c", "run-1", "test", "unit")
	writeLine(t, s, key, "before", true)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "builds")))
	writeLine(t, s, key, "after", false)
	text := logText(t, s, key)
	require.Contains(t, text, "after")
	require.NotContains(t, text, "before")
}

// Idle run logs beyond maxIdleRunLogs are closed, the least recently used first.
func TestRunLogFilesIdleAreBounded(t *testing.T) {
	s := New(t.TempDir())
	for i := range maxIdleRunLogs + 5 {
		writeLine(t, s, TaskKey("build/p/c", fmt.Sprintf("run-%d", i), "test", "unit"), "line", true)
	}
	require.Len(t, s.runLogs.files, maxIdleRunLogs)
	for i := range 5 {
		require.NotContains(t, s.runLogs.files, filepath.Join(s.Dir, "builds", "build%2Fp%2Fc", fmt.Sprintf("run-%d", i)+runLogSuffix),
			"the oldest were closed")
	}
	// A writer still using its file keeps it open whatever happens.
	w, err := s.FreshWriter(TaskKey("build/p/c", "busy", "test", "unit"))
	require.NoError(t, err)
	for i := range maxIdleRunLogs + 1 {
		writeLine(t, s, TaskKey("build/p/c", fmt.Sprintf("later-%d", i), "test", "unit"), "line", true)
	}
	w.Printf("still writing")
	require.NoError(t, w.Close())
	require.Contains(t, logText(t, s, TaskKey("build/p/c", "busy", "test", "unit")), "still writing")
}

// FreshWriter writes to the run log without looking for the task's own
// file; Writer appends to that file when an earlier worker wrote one.
func TestFreshWriterSkipsTheTasksOwnFile(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	key := TaskKey("build/p/c", "run-1", "test", "unit")
	own := filepath.Join(dir, filepath.FromSlash(key))
	require.NoError(t, os.MkdirAll(filepath.Dir(own), 0o755))
	require.NoError(t, os.WriteFile(own, []byte("2026-01-01T00:00:00Z attempt 1\n"), 0o644))
	writeLine(t, s, key, "attempt 2", false)
	b, err := os.ReadFile(own)
	require.NoError(t, err)
	require.Contains(t, string(b), "attempt 2", "a later attempt appends to the task's own file")

	other := TaskKey("build/p/c", "run-1", "test", "lint")
	writeLine(t, s, other, "first attempt", true)
	require.Contains(t, logText(t, s, other), "first attempt")
	_, err = os.Stat(filepath.Join(dir, filepath.FromSlash(other)))
	require.ErrorIs(t, err, os.ErrNotExist, "a first attempt writes the run log")
}

// The tasks of a stage, asking at once for a run log nobody has open,
// open it once between them.
func TestRunLogOpenedOnceByTheTasksOfAStage(t *testing.T) {
	var mu sync.Mutex
	opens := 0
	openRunLog = func(path string) (*os.File, error) {
		mu.Lock()
		opens++
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // the others ask meanwhile
		return openAppend(path)
	}
	t.Cleanup(func() { openRunLog = openAppend })
	s := New(t.TempDir())
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			w, err := s.FreshWriter(TaskKey("build/p/c", "run-1", "test", fmt.Sprint("t", i)))
			if !assert.NoError(t, err) {
				return
			}
			w.Printf("task %d", i)
			assert.NoError(t, w.Close())
		})
	}
	wg.Wait()
	require.Equal(t, 1, opens)
	for i := range 5 {
		require.Contains(t, logText(t, s, TaskKey("build/p/c", "run-1", "test", fmt.Sprint("t", i))), fmt.Sprintf("task %d", i))
	}
}

// A run log that cannot be opened fails every writer waiting for it, and
// the next writer tries again.
func TestRunLogOpenFailureFailsItsWaitersOnly(t *testing.T) {
	fail := true
	openRunLog = func(path string) (*os.File, error) {
		if fail {
			time.Sleep(20 * time.Millisecond)
			return nil, errors.New("disk gone")
		}
		return openAppend(path)
	}
	t.Cleanup(func() { openRunLog = openAppend })
	s := New(t.TempDir())
	key := TaskKey("build/p/c", "run-1", "test", "unit")
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			_, err := s.FreshWriter(key)
			assert.ErrorContains(t, err, "disk gone")
		})
	}
	wg.Wait()
	require.Empty(t, s.runLogs.files)
	fail = false
	writeLine(t, s, key, "back", true)
	require.Contains(t, logText(t, s, key), "back")
}
