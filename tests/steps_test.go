package tests

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

// TestTaskStepsFailedStepSkipsTheRest builds a task of three steps whose
// second fails: the third never runs (its marker file is never written),
// the steps end succeeded, failed and skipped, the first step shows as
// building while it runs, and the task's one log holds a section per step.
func TestTaskStepsFailedStepSkipsTheRest(t *testing.T) {
	h := newHarness(t, true)
	marks := t.TempDir()
	gate := filepath.Join(marks, "gate")
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(`project: steps-demo
build:
  stages:
    - name: verify
      tasks:
        - name: unit
          checkout: false
          steps:
            - name: deps
              run: |
                echo fetched > deps.txt
                touch %[1]s/deps
                for i in $(seq 600); do [ -e %[2]s ] && break; sleep 0.05; done
            - name: test
              run: |
                echo "testing with $(cat deps.txt)"
                exit 4
            - name: publish
              run: touch %[1]s/publish
`, marks, gate)})

	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &created))
	live := h.waitFor(created.ID, 30*time.Second, "step deps building", func(s workflows.BuildState) bool {
		steps := taskOf(s, "verify", "unit").Steps
		return len(steps) == 3 && steps[0].Status == workflows.TaskBuilding
	})
	unit := taskOf(live, "verify", "unit")
	require.Equal(t, workflows.TaskBuilding, unit.Status)
	require.Equal(t, workflows.TaskWaiting, unit.Steps[1].Status)
	require.Equal(t, workflows.TaskWaiting, unit.Steps[2].Status)
	require.NoError(t, os.WriteFile(gate, nil, 0o644))

	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusFailed, final.Status)
	unit = taskOf(final, "verify", "unit")
	require.Equal(t, workflows.TaskFailed, unit.Status)
	require.Equal(t, 4, *unit.ExitCode)
	require.Contains(t, unit.Error, "step test exited with code 4")
	var names []string
	var statuses []workflows.TaskStatus
	for _, st := range unit.Steps {
		names, statuses = append(names, st.Name), append(statuses, st.Status)
	}
	require.Equal(t, []string{"deps", "test", "publish"}, names)
	require.Equal(t, []workflows.TaskStatus{workflows.TaskSucceeded, workflows.TaskFailed, workflows.TaskSkipped}, statuses)
	require.Equal(t, 4, *unit.Steps[1].ExitCode)
	require.NotNil(t, unit.Steps[0].FinishedAt)
	require.Nil(t, unit.Steps[2].StartedAt)

	require.FileExists(t, filepath.Join(marks, "deps"))
	_, err := os.Stat(filepath.Join(marks, "publish"))
	require.ErrorIs(t, err, os.ErrNotExist, "the step after the failed one never ran")

	resp, err := http.Get(h.api.URL + buildPath(created.ID) + "/tasks/verify/unit/log")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	log := string(body)
	i1, i2 := strings.Index(log, "=== step 1/3 deps ==="), strings.Index(log, "=== step 2/3 test ===")
	require.True(t, i1 >= 0 && i1 < i2, log)
	require.Contains(t, log[i2:], "testing with fetched")
	require.Contains(t, log, "=== step 3/3 publish skipped ===")
}
