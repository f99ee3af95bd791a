package gitsource_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
)

// The cached cat-file process must see commits made after it started, and
// keep answering after a cancelled read killed it.
func TestReadFileCachedProcess(t *testing.T) {
	r := newTestRepo(t)
	s := gitsource.New(t.TempDir())
	t.Cleanup(s.Close)
	ctx := context.Background()

	b, err := s.ReadFile(ctx, r.dir, r.c2, "drover.yaml")
	require.NoError(t, err)
	require.Equal(t, "version: 2\n", string(b))
	before := catFileProcesses(t, r.dir)
	require.Len(t, before, 1)

	c4 := r.commit(t, "dir with space/a file.txt", "spaced\n")
	got, err := s.Resolve(ctx, r.dir, c4)
	require.NoError(t, err)
	require.Equal(t, c4, got)
	b, err = s.ReadFile(ctx, r.dir, c4, "dir with space/a file.txt")
	require.NoError(t, err)
	require.Equal(t, "spaced\n", string(b))
	require.Equal(t, before, catFileProcesses(t, r.dir), "one process serves every read")

	_, err = s.ReadFile(ctx, r.dir, c4, "dir with space")
	require.ErrorIs(t, err, gitsource.ErrFileNotFound)
	require.ErrorContains(t, err, "a tree, not a file")
	_, err = s.ReadFile(ctx, r.dir, c4, "nope.txt")
	require.ErrorIs(t, err, gitsource.ErrFileNotFound)
	_, err = s.ReadFile(ctx, r.dir, strings.Repeat("a", 40), "drover.yaml")
	require.Error(t, err)
	require.NotErrorIs(t, err, gitsource.ErrFileNotFound)
	_, err = s.ReadFile(ctx, r.dir, c4, "bad\nname")
	require.Error(t, err)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.ReadFile(cancelled, r.dir, c4, "drover.yaml")
	require.True(t, errors.Is(err, context.Canceled) || err == nil, "err = %v", err)
	b, err = s.ReadFile(ctx, r.dir, r.c1, "drover.yaml")
	require.NoError(t, err)
	require.Equal(t, "version: 1\n", string(b))
}

// catFileProcesses lists the pids of `git cat-file --batch` processes
// working in dir.
func catFileProcesses(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	want, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	var pids []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), "cat-file\x00--batch") {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == want {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// Reads in flight together may each take a process of the repository, up
// to four; every read gets its own answer.
func TestReadFileConcurrentReadsShareFewProcesses(t *testing.T) {
	r := newTestRepo(t)
	s := gitsource.New(t.TempDir())
	t.Cleanup(s.Close)
	ctx := context.Background()
	want := map[string]string{r.c1: "version: 1\n", r.c2: "version: 2\n", r.c3: "version: 2\n"}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			for j := range 20 {
				commit := []string{r.c1, r.c2, r.c3}[(i+j)%3]
				cf, err := s.ReadCommitFile(ctx, r.dir, commit, "drover.yaml")
				if err == nil && (cf.Commit != commit || string(cf.Data) != want[commit]) {
					err = fmt.Errorf("read %s: got commit %s, %q", commit, cf.Commit, cf.Data)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	procs := catFileProcesses(t, r.dir)
	require.NotEmpty(t, procs)
	require.LessOrEqual(t, len(procs), 4)
}
