package tests

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

// TestMatrixRunsEveryCombinationAsATask builds a 2×3 matrix through the API
// and a real worker: six task processes run, each with its combination's
// values, each with its own status and log.
func TestMatrixRunsEveryCombinationAsATask(t *testing.T) {
	h := newHarness(t, true)
	runs := filepath.Join(t.TempDir(), "runs")
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: matrix-demo
build:
  stages:
    - name: test
      tasks:
        - name: unit
          checkout: false
          run: |
            echo "testing go $MATRIX_GO on $MATRIX_OS"
            echo "$MATRIX_GO $MATRIX_OS" >> ` + runs + `
          matrix:
            axes: {go: ["1.22", "1.23"], os: [linux, arm, darwin]}
    - name: package
      tasks:
        - {name: tarball, checkout: false, run: echo packed}
`})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &created))
	final := h.waitFor(created.ID, 2*time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)

	data, err := os.ReadFile(runs)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	slices.Sort(lines)
	require.Equal(t, []string{"1.22 arm", "1.22 darwin", "1.22 linux", "1.23 arm", "1.23 darwin", "1.23 linux"}, lines,
		"one task process per combination")

	var names []string
	for _, ts := range final.Stages[0].Tasks {
		names = append(names, ts.Name)
		require.Equal(t, workflows.TaskSucceeded, ts.Status, ts.Name)
	}
	require.Equal(t, []string{"unit-1.22-linux", "unit-1.22-arm", "unit-1.22-darwin", "unit-1.23-linux", "unit-1.23-arm", "unit-1.23-darwin"}, names)
	require.Equal(t, workflows.TaskSucceeded, taskOf(final, "package", "tarball").Status)

	resp, err := http.Get(h.api.URL + buildPath(created.ID) + "/tasks/test/unit-1.23-arm/log")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "testing go 1.23 on arm")

	status, page := page(t, browser(t), http.MethodGet, h.api.URL+"/builds/"+url.PathEscape(created.ID), nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, "unit-1.22-darwin")
}
