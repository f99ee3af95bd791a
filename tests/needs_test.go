package tests

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

// needsYAML is a build whose second stage needs the first stage's
// artifact; hold keeps the first stage open until gate exists.
const needsYAML = `project: %[1]s
build:
  stages:
    - name: build
      tasks:
        - name: compile
          checkout: false
          run: mkdir -p dist && echo "binary of $DROVER_COMMIT" > dist/app
          artifacts: [{name: app, path: dist/app}]
        - name: hold
          checkout: false
          run: for i in $(seq 600); do [ -e %[2]s ] && break; sleep 0.05; done
    - name: package
      tasks:
        - name: image
          checkout: false
          needs: [{task: compile, artifact: app}]
          run: |
            echo "packaging $(cat dist/app)"
            touch %[3]s
`

// TestStageNeedsAnEarlierStagesArtifact: a second stage's task gets the
// first stage's artifact in its workspace; when the blob was tampered with
// between the stages, the task fails with a checksum error before its
// script runs.
func TestStageNeedsAnEarlierStagesArtifact(t *testing.T) {
	h := newHarness(t, true)
	dir := t.TempDir()
	gate, ran := filepath.Join(dir, "gate"), filepath.Join(dir, "ran")

	// A build that goes through.
	require.NoError(t, os.WriteFile(gate, nil, 0o644))
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(needsYAML, "needs-ok", gate, ran)})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &created))
	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status, "%+v", final)
	require.Contains(t, taskOf(final, "package", "image").OutputTail, "packaging binary of "+commit)
	require.FileExists(t, ran)

	// A build whose artifact is replaced in the blob store between the stages.
	require.NoError(t, os.Remove(gate))
	require.NoError(t, os.Remove(ran))
	repo, _ = gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(needsYAML, "needs-tampered", gate, ran)})
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &created))
	stored := h.waitFor(created.ID, time.Minute, "compile stored its artifact", func(s workflows.BuildState) bool {
		return taskOf(s, "build", "compile").Status == workflows.TaskSucceeded
	})
	art := taskOf(stored, "build", "compile").Artifacts[0]
	require.NoError(t, os.WriteFile(filepath.Join(h.dataDir, "blobs", filepath.FromSlash(art.Key)), []byte("evil binary\n"), 0o644))
	require.NoError(t, os.WriteFile(gate, nil, 0o644))

	final = h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusFailed, final.Status)
	image := taskOf(final, "package", "image")
	require.Equal(t, workflows.TaskFailed, image.Status)
	require.Contains(t, image.Error, "needed artifact build/compile/app")
	require.Contains(t, image.Error, "blob checksum mismatch")
	require.Equal(t, 1, image.Attempt, "a checksum mismatch is not retried")
	require.NoFileExists(t, ran, "the script never ran")
}
