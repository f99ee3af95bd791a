package tests

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

const cacheYAML = `project: cache-demo
build:
  stages:
    - name: verify
      tasks:
        - name: unit
          cache:
            - key: deps-{hash:deps.lock}
              paths: [.cache/deps, ~/tools]
          run: |
            if [ ! -e .cache/deps/lib.txt ] || [ ! -e ~/tools/tool.txt ]; then
              echo "slow download" >> %s
              mkdir -p .cache/deps ~/tools
              cp deps.lock .cache/deps/lib.txt && echo tool > ~/tools/tool.txt
            fi
            cat .cache/deps/lib.txt
`

// TestCacheRestoredOnTheNextBuild: the second build of the project finds
// the cache the first saved and skips the slow download; a corrupt entry
// does not fail the third build, which downloads again; a changed lock
// file is another key.
func TestCacheRestoredOnTheNextBuild(t *testing.T) {
	h := newHarness(t, true)
	counter := filepath.Join(t.TempDir(), "downloads")
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(cacheYAML, counter), "deps.lock": "lib v1\n"})
	downloads := func() int {
		b, err := os.ReadFile(counter)
		if os.IsNotExist(err) {
			return 0
		}
		require.NoError(t, err)
		return strings.Count(string(b), "slow download")
	}
	build := func(files map[string]string) workflows.TaskState {
		t.Helper()
		commit := commitFiles(t, repo, files)
		var created createResp
		require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": commit, "branch": "main"}, &created))
		final := h.waitFor(created.ID, time.Minute, "the end", finished)
		require.Equal(t, workflows.StatusSucceeded, final.Status, "%+v", final)
		return taskOf(final, "verify", "unit")
	}

	unit := build(map[string]string{"README": "one\n"})
	require.Equal(t, "lib v1\n", unit.OutputTail)
	require.Equal(t, 1, downloads())

	unit = build(map[string]string{"README": "two\n"})
	require.Equal(t, "lib v1\n", unit.OutputTail)
	require.Equal(t, 1, downloads(), "the second build restored the cache")

	// Corrupt every stored cache entry: the build goes on and downloads.
	var entries []string
	require.NoError(t, filepath.Walk(filepath.Join(h.dataDir, "blobs", "caches"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			entries = append(entries, p)
		}
		return err
	}))
	require.Len(t, entries, 1)
	require.NoError(t, os.WriteFile(entries[0], []byte("not a tarball"), 0o644))
	unit = build(map[string]string{"README": "three\n"})
	require.Equal(t, "lib v1\n", unit.OutputTail)
	require.Equal(t, 2, downloads())

	unit = build(map[string]string{"deps.lock": "lib v2\n"})
	require.Equal(t, "lib v2\n", unit.OutputTail)
	require.Equal(t, 3, downloads(), "a new lock file is a new key")
}
