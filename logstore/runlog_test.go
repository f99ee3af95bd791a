package logstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/logstore"
)

// The tasks of a build run write one run log between them; each task's key
// reads its own lines, in order, while the others write theirs.
func TestRunLogTasksShareOneFile(t *testing.T) {
	dir := t.TempDir()
	s := logstore.New(dir)
	const tasks, lines = 6, 300
	var wg sync.WaitGroup
	for i := range tasks {
		key := logstore.TaskKey("build/p/c", "run-1", fmt.Sprintf("stage %d", i%2), fmt.Sprintf("t%d", i))
		wg.Go(func() {
			// assert, not require: FailNow must run on the test's goroutine.
			w, err := s.Writer(key)
			if !assert.NoError(t, err) {
				return
			}
			w.Printf("=== attempt 1 of task %d ===", i)
			for j := range lines {
				_, err := fmt.Fprintf(w, "task %d line %d %s\n", i, j, strings.Repeat("x", j%50))
				assert.NoError(t, err)
			}
			assert.NoError(t, w.Close())
		})
	}
	wg.Wait()

	for i := range tasks {
		key := logstore.TaskKey("build/p/c", "run-1", fmt.Sprintf("stage %d", i%2), fmt.Sprintf("t%d", i))
		got := readLines(t, s, key)
		require.Len(t, got, lines+1)
		require.Equal(t, fmt.Sprintf("=== attempt 1 of task %d ===", i), got[0])
		for j, l := range got[1:] {
			require.Equal(t, fmt.Sprintf("task %d line %d %s", i, j, strings.Repeat("x", j%50)), l)
		}
	}
	_, _, err := s.ReadAt(context.Background(), logstore.TaskKey("build/p/c", "run-1", "stage 0", "t9"), 0, 0)
	require.ErrorIs(t, err, logstore.ErrNotFound, "a task that wrote nothing has no log")

	// One file for the run, beside the build's other runs.
	entries, err := os.ReadDir(filepath.Join(dir, "builds", "build%2Fp%2Fc"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "run-1%tasks.log", entries[0].Name())
	require.False(t, entries[0].IsDir())
}

// A log written in the per-task layout (a file per task, before the run
// log) is still read, and a later attempt appends to it.
func TestRunLogReadsPerTaskFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := logstore.TaskKey("build/p/c", "run-1", "verify", "unit")
	old := filepath.Join(dir, "builds", "build%2Fp%2Fc", "run-1", "verify", "unit.log")
	require.NoError(t, os.MkdirAll(filepath.Dir(old), 0o755))
	require.NoError(t, os.WriteFile(old, []byte("2026-12-07T10:00:00.000Z === attempt 1 on old ===\n"), 0o644))

	s := logstore.New(dir)
	other, err := s.Writer(logstore.TaskKey("build/p/c", "run-1", "verify", "lint"))
	require.NoError(t, err)
	other.Printf("lint's line")
	require.NoError(t, other.Close())
	w, err := s.Writer(key)
	require.NoError(t, err)
	w.Printf("=== attempt 2 ===")
	require.NoError(t, w.Close())

	data, _, err := s.ReadAt(ctx, key, 0, 0)
	require.NoError(t, err)
	require.Regexp(t, `^2026-12-07T10:00:00.000Z === attempt 1 on old ===\n\S+ === attempt 2 ===\n$`, string(data))
	require.Equal(t, []string{"lint's line"}, readLines(t, s, logstore.TaskKey("build/p/c", "run-1", "verify", "lint")))
}

// Reads of a run log return whole lines of the task up to max bytes, a
// line longer than max in pieces, and past the end an offset that skips the
// other tasks' lines already read.
func TestRunLogReadAt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := logstore.New(dir)
	a := logstore.TaskKey("b", "r", "s", "a")
	b := logstore.TaskKey("b", "r", "s", "b")
	wa, err := s.Writer(a)
	require.NoError(t, err)
	wb, err := s.Writer(b)
	require.NoError(t, err)
	_, err = wa.Write([]byte("alpha\nbeta\n"))
	require.NoError(t, err)

	whole, _, err := s.ReadAt(ctx, a, 0, 0)
	require.NoError(t, err)
	alpha, _, ok := strings.Cut(string(whole), "\n")
	require.True(t, ok)
	require.Regexp(t, `^\S+ alpha$`, alpha)

	// A read too short for a whole line returns what fits, the rest follows;
	// the next read changes nothing of the bytes the first returned.
	piece, next, err := s.ReadAt(ctx, a, 0, 10)
	require.NoError(t, err)
	require.Len(t, piece, 10)
	rest, next, err := s.ReadAt(ctx, a, next, 40)
	require.NoError(t, err)
	require.Equal(t, alpha+"\n", string(piece)+string(rest))

	data, next, err := s.ReadAt(ctx, a, next, 0)
	require.NoError(t, err)
	require.Regexp(t, `^\S+ beta\n$`, string(data))

	// At the end of a's lines, b writes one: a read of a returns nothing,
	// and an offset past b's line, the run log's end, so that a follower
	// (api/logs_follow.go) does not read b's line again at every poll.
	_, err = wb.Write([]byte("other\n"))
	require.NoError(t, err)
	data, end, err := s.ReadAt(ctx, a, next, 0)
	require.NoError(t, err)
	require.Empty(t, data)
	require.Equal(t, runLogSize(t, dir), end)
	again, end2, err := s.ReadAt(ctx, a, end, 0)
	require.NoError(t, err)
	require.Empty(t, again)
	require.Equal(t, end, end2)

	_, err = wb.Write([]byte("more of b\n"))
	require.NoError(t, err)
	_, err = wa.Write([]byte("gamma\n"))
	require.NoError(t, err)
	data, _, err = s.ReadAt(ctx, a, end, 0)
	require.NoError(t, err)
	require.Regexp(t, `^\S+ gamma\n$`, string(data))

	// Long lines, read in small reads.
	long := strings.Repeat("y", logstore.MaxLineLength)
	_, err = wa.Write([]byte(long + "\nend\n"))
	require.NoError(t, err)
	require.NoError(t, wa.Close())
	require.NoError(t, wb.Close())
	require.Equal(t, []string{"alpha", "beta", "gamma", long, "end"}, readLines(t, s, a))
	require.Equal(t, []string{"other", "more of b"}, readLines(t, s, b))
}

// runLogSize returns the size of the one run log under dir.
func runLogSize(t *testing.T, dir string) int64 {
	t.Helper()
	logs, err := filepath.Glob(filepath.Join(dir, "builds", "*", "*%tasks.log"))
	require.NoError(t, err)
	require.Len(t, logs, 1)
	st, err := os.Stat(logs[0])
	require.NoError(t, err)
	return st.Size()
}
