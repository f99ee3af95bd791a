package tests

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/internal/proctest"
	"github.com/drover-ci/drover/workflows"
)

const pipelineYAML = `project: %s
build:
  stages:
    - name: verify
      tasks:
        - name: slow
          run: |
            echo "first line from $DROVER_TASK"
            sleep 2
            echo "second line"
        - name: quick
          run: ./check.sh
    - name: package
      tasks:
        - name: tarball
          run: mkdir -p dist && tar -czf dist/app.tar.gz check.sh && echo packed
          artifacts: [{name: app, path: dist/app.tar.gz}]
`

type createResp struct {
	ID       string                `json:"id"`
	RunID    string                `json:"run_id"`
	URL      string                `json:"url"`
	Status   workflows.BuildStatus `json:"status"`
	Existing bool                  `json:"existing"`
	Rerun    bool                  `json:"rerun"`
}

func TestBuildThroughTheAPI(t *testing.T) {
	h := newHarness(t, true)
	repo, commit := gitRepo(t, map[string]string{
		"drover.yaml": strings.Replace(pipelineYAML, "%s", "api-demo", 1),
		"check.sh":    "#!/bin/bash\necho \"checked $DROVER_COMMIT on $DROVER_BRANCH\"\n",
	})

	var created createResp
	code := h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created)
	require.Equal(t, http.StatusAccepted, code)
	require.Equal(t, contracts.BuildID("api-demo", commit), created.ID)
	require.Contains(t, created.URL, "/api/v1/builds/")

	// The slow task's first line arrives through the followed log while it still runs.
	lines, done := followLog(t, h, created.ID, "verify", "slow")
	timeout := time.After(20 * time.Second)
	for first := ""; !strings.Contains(first, "first line from slow"); {
		select {
		case first = <-lines: // Drover's own "=== attempt ..." lines come first
		case <-timeout:
			t.Fatal("no log line while the task runs")
		}
	}
	live := h.state(created.ID)
	require.Equal(t, workflows.StatusRunning, live.Status)
	require.Contains(t, []workflows.TaskStatus{workflows.TaskScheduled, workflows.TaskBuilding}, taskOf(live, "verify", "slow").Status)
	require.Equal(t, workflows.TaskWaiting, taskOf(live, "package", "tarball").Status)
	select {
	case end := <-done:
		require.Equal(t, string(workflows.TaskSucceeded), end)
	case <-time.After(30 * time.Second):
		t.Fatal("followed log did not end")
	}

	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)
	tarball := taskOf(final, "package", "tarball")
	require.Equal(t, 0, *tarball.ExitCode)
	require.Contains(t, tarball.OutputTail, "packed")
	require.Len(t, tarball.Artifacts, 1)
	art := tarball.Artifacts[0]
	blob, err := blobstore.NewFS(filepath.Join(h.dataDir, "blobs")).Get(context.Background(), art.Key)
	require.NoError(t, err)
	data, err := io.ReadAll(blob)
	blob.Close()
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	require.Equal(t, hex.EncodeToString(sum[:]), art.SHA256)
	require.EqualValues(t, len(data), art.Size)
	// The API serves the same bytes.
	resp, err := http.Get(h.api.URL + api.ArtifactPath(created.ID, "package", "tarball", art.Name))
	require.NoError(t, err)
	served, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	servedSum := sha256.Sum256(served)
	require.Equal(t, art.SHA256, hex.EncodeToString(servedSum[:]))

	// The whole log of a task, and the quick task saw the DROVER_* variables.
	resp, err = http.Get(h.api.URL + buildPath(created.ID) + "/tasks/verify/quick/log")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "checked "+commit+" on main")

	// The ledger lists the build and its artifact version.
	var list struct {
		Builds []struct {
			ID, Status, Version string
		} `json:"builds"`
	}
	require.Equal(t, http.StatusOK, h.do(http.MethodGet, "/api/v1/builds?project=api-demo", nil, &list))
	require.Len(t, list.Builds, 1)
	require.Equal(t, string(workflows.StatusSucceeded), list.Builds[0].Status)
	v, err := h.ledger.GetArtifactVersion(context.Background(), "api-demo", commit[:12])
	require.NoError(t, err)
	require.Len(t, v.Artifacts, 1)
	require.Equal(t, art.SHA256, v.Artifacts[0].SHA256)

	// Starting the same commit again returns the finished build; a rerun starts a new run.
	var again createResp
	require.Equal(t, http.StatusOK, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": commit}, &again))
	require.True(t, again.Existing)
	require.Equal(t, created.RunID, again.RunID)
	var rerun createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": commit, "rerun": true}, &rerun))
	require.True(t, rerun.Rerun)
	require.NotEqual(t, created.RunID, rerun.RunID)
	h.waitFor(created.ID, time.Minute, "the rerun's end", finished)
	h.recordHistory(created.ID, created.RunID, "build-succeeded")

	// The build runs today's behaviour, named in its input: its history
	// holds no version marker and no upsert of the change version.
	events := h.history(created.ID, created.RunID)
	var in workflows.BuildInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(
		events[0].GetWorkflowExecutionStartedEventAttributes().GetInput(), &in))
	require.Equal(t, workflows.BuildChanges, in.Changes)
	for _, ev := range events {
		require.NotEqual(t, "Version", ev.GetMarkerRecordedEventAttributes().GetMarkerName(), "event %d", ev.GetEventId())
		require.NotContains(t, ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields(),
			"TemporalChangeVersion", "event %d", ev.GetEventId())
	}
}

func TestBadDefinitionIsRefusedBeforeAnyWorkflow(t *testing.T) {
	h := newHarness(t, false)
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": "project: broken\nbuild:\n  stages:\n    - name: verify\n      tasks:\n        - name: unit\n          run: true\n          retries: -1\n"})
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.Equal(t, http.StatusBadRequest, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &body))
	require.Equal(t, "bad_definition", body.Error.Code)
	require.Contains(t, body.Error.Message, "drover.yaml:8")
	require.Contains(t, body.Error.Message, "retries")
}

func TestCancelKillsTheTaskProcesses(t *testing.T) {
	h := newHarness(t, true)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: cancel-demo
build:
  stages:
    - name: long
      tasks:
        - name: sleeper
          checkout: false
          run: |
            sleep 300 &
            echo $! > ` + pidFile + `
            wait
`})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &created))
	h.waitFor(created.ID, 30*time.Second, "the sleeper running", func(s workflows.BuildState) bool {
		_, err := os.Stat(pidFile)
		return err == nil && taskOf(s, "long", "sleeper").Status == workflows.TaskBuilding
	})
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, buildPath(created.ID)+"/cancel", nil, nil))
	final := h.waitFor(created.ID, 30*time.Second, "cancelled", finished)
	require.Equal(t, workflows.StatusCancelled, final.Status)
	require.Equal(t, workflows.TaskCancelled, taskOf(final, "long", "sleeper").Status)
	// The task's background child was killed with its process group.
	proctest.RequireGone(t, proctest.ReadPID(t, pidFile))
	h.recordHistory(created.ID, created.RunID, "build-cancelled")
}

func TestWorkerKilledMidTaskAnotherAttemptCompletesTheBuild(t *testing.T) {
	h := newHarness(t, false)
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: crash-demo
build:
  stages:
    - name: work
      tasks:
        - name: long
          checkout: false
          run: |
            echo "attempt $DROVER_ATTEMPT starting"
            sleep 4
            echo "attempt $DROVER_ATTEMPT done"
    - name: after
      tasks:
        - {name: next, checkout: false, run: echo after}
`})
	first := h.startWorkerProcess()
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &created))
	h.waitFor(created.ID, 30*time.Second, "the task building", func(s workflows.BuildState) bool {
		return taskOf(s, "work", "long").Status == workflows.TaskBuilding
	})
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()

	h.startWorkerProcess()
	final := h.waitFor(created.ID, 90*time.Second, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)
	long := taskOf(final, "work", "long")
	require.Equal(t, 2, long.Attempt, "the second attempt took the task over")
	require.Contains(t, long.OutputTail, "attempt 2 done")
	require.Equal(t, workflows.TaskSucceeded, taskOf(final, "after", "next").Status)
	h.recordHistory(created.ID, created.RunID, "build-worker-killed")
}

// followLog follows a task's log over Server-Sent Events: it sends each data
// line on lines and the status of the closing end event on done.
func followLog(t *testing.T, h *harness, id, stage, task string) (<-chan string, <-chan string) {
	lines, done := make(chan string, 100), make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.api.URL+buildPath(id)+"/tasks/"+stage+"/"+task+"/log?follow=1", nil)
	require.NoError(t, err)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "end":
				done <- strings.TrimPrefix(line, "data: ")
				return
			case strings.HasPrefix(line, "data: "):
				lines <- strings.TrimPrefix(line, "data: ")
			case line == "":
				event = ""
			}
		}
	}()
	return lines, done
}

func TestFailingTaskFailsTheBuildAfterItsRetries(t *testing.T) {
	h := newHarness(t, true)
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: fail-demo
build:
  stages:
    - name: verify
      tasks:
        - name: broken
          checkout: false
          retries: 1
          run: |
            echo "attempt $DROVER_ATTEMPT failing" >&2
            exit 3
        - {name: fine, checkout: false, run: echo fine}
    - name: never
      tasks:
        - {name: skipped, checkout: false, run: echo never}
`})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD"}, &created))
	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusFailed, final.Status)
	broken := taskOf(final, "verify", "broken")
	require.Equal(t, workflows.TaskFailed, broken.Status)
	require.Equal(t, 2, broken.Attempt)
	require.Equal(t, 3, *broken.ExitCode)
	require.Contains(t, broken.OutputTail, "attempt 2 failing")
	require.Equal(t, workflows.TaskSucceeded, taskOf(final, "verify", "fine").Status)
	require.Equal(t, workflows.TaskSkipped, taskOf(final, "never", "skipped").Status)

	b, tasks, err := h.ledger.GetBuild(context.Background(), created.ID, "")
	require.NoError(t, err)
	require.Equal(t, string(workflows.StatusFailed), b.Status)
	require.Len(t, tasks, 3)
	h.recordHistory(created.ID, created.RunID, "build-failed")
}
