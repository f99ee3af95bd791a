package tests

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/starter"
	"github.com/drover-ci/drover/workflows"
)

// rerunYAML: every task appends its name to COUNT, outside the workspace,
// so that the test counts the task processes; verify/flaky fails until
// FIXED exists. Both paths are the test's, filled in for the placeholders.
const rerunYAML = `project: rerun-demo
build:
  stages:
    - name: verify
      tasks:
        - name: unit
          run: echo verify/unit >> COUNT && mkdir -p out && echo "unit report" > out/report.txt
          artifacts: [{name: report, path: out/report.txt}]
        - {name: flaky, run: echo verify/flaky >> COUNT && test -f FIXED}
        - {name: lint, run: echo verify/lint >> COUNT}
    - name: package
      tasks:
        - {name: tarball, run: echo package/tarball >> COUNT}
`

// TestRerunFailedRunsOnlyWhatFailed builds a commit whose flaky task fails,
// fixes what it needs (outside the repository), and re-runs with the CLI's
// `build rerun --failed`: only the failed task and the later stage run
// again; the others, their logs and artifacts are reused, and the
// re-run's success registers the version. Then one task alone re-runs.
func TestRerunFailedRunsOnlyWhatFailed(t *testing.T) {
	h := newHarness(t, true)
	dir := t.TempDir()
	count, fixed := filepath.Join(dir, "count"), filepath.Join(dir, "fixed")
	yaml := strings.NewReplacer("COUNT", count, "FIXED", fixed).Replace(rerunYAML)
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": yaml})
	ran := func() []string {
		data, err := os.ReadFile(count)
		require.NoError(t, err)
		return strings.Fields(string(data))
	}

	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &created))
	first := h.waitFor(created.ID, time.Minute, "the first run's end", finished)
	require.Equal(t, workflows.StatusFailed, first.Status)
	require.ElementsMatch(t, []string{"verify/unit", "verify/flaky", "verify/lint"}, ran())
	require.Equal(t, workflows.TaskSkipped, taskOf(first, "package", "tarball").Status)

	require.NoError(t, os.WriteFile(fixed, nil, 0o644))
	var stdout, stderr bytes.Buffer
	code := starter.Execute(context.Background(), []string{"--url", h.api.URL, "build", "rerun", "rerun-demo/" + commit[:10], "--failed"},
		starter.Env{Stdout: &stdout, Stderr: &stderr})
	require.Zero(t, code, "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "build "+created.ID+" started again")
	require.Contains(t, stdout.String(), "reusing 2 tasks of run "+first.RunID+": verify/unit, verify/lint")

	second := h.waitFor(created.ID, time.Minute, "the re-run's end", func(s workflows.BuildState) bool {
		return s.RunID != first.RunID && finished(s)
	})
	require.Equal(t, workflows.StatusSucceeded, second.Status)
	require.Equal(t, []string{"verify/flaky", "package/tarball"}, ran()[3:], "only the failed task and the later stage ran again")
	require.Equal(t, first.RunID, second.RerunOf)
	require.True(t, second.Rerun)
	unit := taskOf(second, "verify", "unit")
	require.Equal(t, workflows.TaskSucceeded, unit.Status)
	require.Equal(t, first.RunID, unit.ReusedFrom)
	require.Equal(t, taskOf(first, "verify", "unit").LogKey, unit.LogKey)
	require.Empty(t, taskOf(second, "verify", "flaky").ReusedFrom)
	require.Equal(t, commit[:12], second.Version, "the re-run's success registers the version")

	// The reused task's log and artifact are served from the run that made them.
	resp, err := http.Get(h.api.URL + buildPath(created.ID) + "/tasks/verify/unit/log")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp.Body.Close()
	resp, err = http.Get(h.api.URL + buildPath(created.ID) + "/artifacts/verify/unit/report")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Equal(t, "unit report\n", string(body))
	v, err := h.ledger.GetArtifactVersion(context.Background(), "rerun-demo", second.Version)
	require.NoError(t, err)
	require.Len(t, v.Artifacts, 1, "the reused artifact is the version's")

	// One task: package/tarball alone runs again; a task reused twice
	// names the run that ran it.
	var again rest.CreateBuildResponse
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, buildPath(created.ID)+"/rerun",
		rest.RerunBuildRequest{Task: "package/tarball"}, &again))
	require.ElementsMatch(t, []string{"verify/unit", "verify/flaky", "verify/lint"}, again.Reused)
	third := h.waitFor(created.ID, time.Minute, "the task re-run's end", func(s workflows.BuildState) bool {
		return s.RunID == again.RunID && finished(s)
	})
	require.Equal(t, workflows.StatusSucceeded, third.Status)
	require.Equal(t, []string{"package/tarball"}, ran()[5:])
	require.Equal(t, first.RunID, taskOf(third, "verify", "unit").ReusedFrom)
	require.Equal(t, second.RunID, taskOf(third, "verify", "flaky").ReusedFrom)

	// Nothing failed: --failed has nothing to do.
	var refused map[string]any
	require.Equal(t, http.StatusConflict, h.do(http.MethodPost, buildPath(created.ID)+"/rerun", rest.RerunBuildRequest{Failed: true}, &refused))
}
