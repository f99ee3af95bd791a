package tests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/storage"
	"github.com/drover-ci/drover/worker"
	"github.com/drover-ci/drover/workflows"
)

// sharedPipelineYAML pins one task to each worker (by label), lets one run
// anywhere, and holds the alpha task open until the test creates GATE.
const sharedPipelineYAML = `project: shared-demo
build:
  stages:
    - name: verify
      tasks:
        - name: on-alpha
          runs-on: [alpha]
          checkout: false
          run: |
            echo "first line from $DROVER_TASK in $PWD"
            while [ ! -e "GATE" ]; do sleep 0.05; done
            echo "second line"
        - {name: on-beta, runs-on: [beta], checkout: false, run: 'echo "ran in $PWD"'}
        - {name: anywhere, checkout: false, run: 'echo "ran in $PWD"'}
    - name: package
      tasks:
        - name: tarball
          runs-on: [beta]
          run: mkdir -p dist && tar -czf dist/app.tar.gz check.sh && echo packed
          artifacts: [{name: app, path: dist/app.tar.gz}]
`

// TestSharedStorageS3 runs two workers and the API on three data dirs that
// share only an S3 bucket: the API serves logs (followed while the task
// runs) and artifacts that the workers wrote.
func TestSharedStorageS3(t *testing.T) {
	ctx := context.Background()
	s3srv := s3test.Start(t)
	cfg := storage.Config{Kind: storage.KindS3, Bucket: s3srv.Bucket(t, "drover"), Prefix: "ci", AWS: s3srv.Config()}
	openStores := func(dir string) func(*api.Server) {
		logs, blobs, err := storage.Open(ctx, cfg, dir)
		require.NoError(t, err)
		return func(s *api.Server) { s.Logs, s.Blobs = logs, blobs }
	}
	h := newHarness(t, false, openStores(t.TempDir()))
	alphaDir, betaDir := t.TempDir(), t.TempDir()
	h.startWorkerOn(alphaDir, []string{"alpha"}, cfg)
	h.startWorkerOn(betaDir, []string{"beta"}, cfg)

	gate := filepath.Join(t.TempDir(), "gate")
	repo, _ := gitRepo(t, map[string]string{
		"drover.yaml": strings.Replace(sharedPipelineYAML, "GATE", gate, 1),
		"check.sh":    "#!/bin/bash\necho checked\n",
	})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main"}, &created))

	// The alpha task's first line reaches the API through S3 while the task
	// waits for the gate.
	lines, done := followLog(t, h, created.ID, "verify", "on-alpha")
	timeout := time.After(time.Minute)
	for first := ""; !strings.Contains(first, "first line from on-alpha in "+alphaDir); {
		select {
		case first = <-lines:
		case <-timeout:
			t.Fatal("no log line from the alpha worker while its task runs")
		}
	}
	live := h.state(created.ID)
	require.Equal(t, workflows.StatusRunning, live.Status)
	require.Contains(t, []workflows.TaskStatus{workflows.TaskScheduled, workflows.TaskBuilding}, taskOf(live, "verify", "on-alpha").Status)
	require.NoError(t, os.WriteFile(gate, nil, 0o644))
	sawLast := func(line string) bool { return strings.HasSuffix(line, " second line") } // after its timestamp
	last, end := false, ""
	for end == "" {
		select {
		case l := <-lines:
			last = last || sawLast(l)
		case end = <-done:
		case <-timeout:
			t.Fatal("followed log did not end")
		}
	}
	for len(lines) > 0 { // lines sent before the end
		last = last || sawLast(<-lines)
	}
	require.True(t, last, "the followed log missed the alpha task's last line")
	require.Equal(t, string(workflows.TaskSucceeded), end)

	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)

	// Whole logs of tasks of either worker, read by the API from S3.
	require.Contains(t, h.taskLogText("verify", "on-beta", created.ID), "ran in "+betaDir)
	anywhere := h.taskLogText("verify", "anywhere", created.ID)
	require.True(t, strings.Contains(anywhere, "ran in "+alphaDir) || strings.Contains(anywhere, "ran in "+betaDir), anywhere)

	// The beta worker's artifact, downloaded through the API from S3.
	tarball := taskOf(final, "package", "tarball")
	require.Len(t, tarball.Artifacts, 1)
	art := tarball.Artifacts[0]
	resp, err := http.Get(h.api.URL + api.ArtifactPath(created.ID, "package", "tarball", art.Name))
	require.NoError(t, err)
	served, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, art.SHA256, resp.Header.Get("X-Checksum-Sha256"))
	sum := sha256.Sum256(served)
	require.Equal(t, art.SHA256, hex.EncodeToString(sum[:]))
	require.EqualValues(t, art.Size, len(served))

	// Nothing went to the data dirs' filesystem stores.
	for _, dir := range []string{h.dataDir, alphaDir, betaDir} {
		for _, sub := range []string{"blobs", "logs"} {
			entries, _ := os.ReadDir(filepath.Join(dir, sub))
			require.Empty(t, entries, "%s/%s", dir, sub)
		}
	}
}

// startWorkerOn runs an in-process worker, as worker.Run would, on its own
// data dir with the stores of cfg, serving labels.
func (h *harness) startWorkerOn(dataDir string, labels []string, cfg storage.Config) {
	wcfg, err := worker.ConfigFromEnv(func(string) string { return "" })
	require.NoError(h.t, err)
	wcfg.StopTimeout = 0 // nothing to wait for when a test or the benchmark ends
	wcfg.DataDir, wcfg.StartedDelay, wcfg.KillGrace, wcfg.Labels = dataDir, 100*time.Millisecond, time.Second, labels
	logs, blobs, err := storage.Open(context.Background(), cfg, dataDir)
	require.NoError(h.t, err)
	acts := &activities.Activities{
		DataDir:            dataDir,
		Source:             gitsource.New(filepath.Join(dataDir, "git")),
		Logs:               logs,
		Blobs:              blobs,
		StartedSignalDelay: wcfg.StartedDelay,
		KillGrace:          wcfg.KillGrace,
		HeartbeatInterval:  200 * time.Millisecond,
	}
	for _, w := range worker.NewWorkers(h.client, wcfg, worker.ActivitySet{
		Tasks:      acts,
		Ledger:     &activities.LedgerActivities{Ledger: h.ledger},
		Promotions: activities.NewPromotionActivities(acts, h.client, h.ledger, h.ledger, h.api.URL),
		Heads:      &activities.HeadPoller{APIURL: h.api.URL},
	}) {
		require.NoError(h.t, w.Start())
		h.t.Cleanup(w.Stop)
	}
}

// taskLogText reads a task's whole log through the API.
func (h *harness) taskLogText(stage, task, id string) string {
	h.t.Helper()
	resp, err := http.Get(h.api.URL + buildPath(id) + "/tasks/" + stage + "/" + task + "/log")
	require.NoError(h.t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	require.Equal(h.t, http.StatusOK, resp.StatusCode, "%s", body)
	return string(body)
}

// TestSharedStorageS3WorkerProcess runs bin/drover-worker configured for S3
// by its environment only, as in production.
func TestSharedStorageS3WorkerProcess(t *testing.T) {
	ctx := context.Background()
	s3srv := s3test.Start(t)
	bucket := s3srv.Bucket(t, "drover")
	cfg := storage.Config{Kind: storage.KindS3, Bucket: bucket, Prefix: "ci/", AWS: s3srv.Config()}
	logs, blobs, err := storage.Open(ctx, cfg, t.TempDir())
	require.NoError(t, err)
	h := newHarness(t, false, func(s *api.Server) { s.Logs, s.Blobs = logs, blobs })

	// A bucket that does not exist stops the worker with a clear error.
	env := append(os.Environ(), s3srv.Env()...)
	env = append(env, "DROVER_TEMPORAL_ADDRESS="+server.FrontendHostPort(), "DROVER_DATA_DIR="+t.TempDir(),
		"DROVER_BLOB_STORE=s3", "DROVER_S3_BUCKET=no-such-bucket")
	bad := exec.Command(workerBin)
	bad.Env = env
	out, err := bad.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), `S3 bucket "no-such-bucket" (DROVER_S3_BUCKET) does not exist`)
	require.NotContains(t, string(out), s3srv.SecretKey)

	for _, kv := range append(s3srv.Env(), "DROVER_BLOB_STORE=s3", "DROVER_S3_BUCKET="+bucket, "DROVER_S3_PREFIX=ci/") {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v) // startWorkerProcess passes the test's environment on
	}
	h.startWorkerProcess()
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: shared-process
build:
  stages:
    - name: package
      tasks:
        - name: tarball
          run: mkdir -p dist && echo "built by the worker process" > dist/out.txt && cat dist/out.txt
          artifacts: [{name: out, path: dist/out.txt}]
`})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main"}, &created))
	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)

	require.Contains(t, h.taskLogText("package", "tarball", created.ID), "built by the worker process")
	art := taskOf(final, "package", "tarball").Artifacts[0]
	resp, err := http.Get(h.api.URL + api.ArtifactPath(created.ID, "package", "tarball", art.Name))
	require.NoError(t, err)
	served, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "built by the worker process\n", string(served))
	for _, sub := range []string{"blobs", "logs"} {
		entries, _ := os.ReadDir(filepath.Join(h.dataDir, sub))
		require.Empty(t, entries, sub)
	}
}
