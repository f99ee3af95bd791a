// Package tests holds Drover's integration tests: a real Temporal dev server,
// real git repositories, the real worker (in-process or as a process that can
// be killed) and the API served over HTTP.
package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	tworker "go.temporal.io/sdk/worker"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/internal/devserver"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/worker"
	"github.com/drover-ci/drover/workflows"
)

var (
	server    *testsuite.DevServer
	workerBin string
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		// Every test here needs the dev server: -short (make unit) runs none.
		fmt.Fprintln(os.Stderr, "tests: integration tests skipped in -short mode")
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var err error
	server, err = devserver.Start(ctx, devserver.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start Temporal dev server:", err)
		return 1
	}
	defer server.Stop()

	dir, err := os.MkdirTemp("", "drover-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	workerBin = filepath.Join(dir, "drover-worker")
	build := exec.Command("go", "build", "-o", workerBin, "./cmd/drover-worker")
	build.Dir = devserver.RepoRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build drover-worker:", err)
		return 1
	}
	return m.Run()
}

// harness is one test's Drover: a data dir, a SQLite ledger, the API over
// HTTP and, unless the test runs its own, an in-process worker.
type harness struct {
	t       *testing.T
	dataDir string
	ledger  *ledger.Ledger
	client  client.Client
	api     *httptest.Server
	workers []tworker.Worker
	// publishRoot is the in-process worker's DROVER_PUBLISH_ROOT; set it
	// before startWorker.
	publishRoot string
	// s3 is the in-process worker's S3 client for s3 deploys; set it
	// before startWorker (see useS3).
	s3 activities.S3Client
	// blobs replaces the in-process worker's filesystem blob store when
	// set before startWorker (the API's is set with a harnessOption).
	blobs blobstore.Store
	// projects is the projects file of an API with an identity file (see
	// register); empty without one.
	projects string
	// cfn is the in-process worker's CloudFormation client; set it before
	// startWorker (see useCloudFormation).
	cfn activities.CloudFormationAPI
	// pollToken is the in-process worker's DROVER_POLL_TOKEN: its polls and
	// push steps request builds with it. Set it before startWorker.
	pollToken string
	// secrets is the in-process worker's secrets store (the API's, see
	// withSecrets); without it steps that name secrets fail.
	secrets activities.SecretValues
}

// harnessOption changes the API server of a harness before it starts.
type harnessOption func(*api.Server)

// withUsers configures identities: each user's token is "<name>-token".
func withUsers(t *testing.T, groups map[string][]string) harnessOption {
	var b strings.Builder
	b.WriteString("users:\n")
	for name, gs := range groups {
		fmt.Fprintf(&b, "  - {name: %s, token_sha256: %q, groups: [%s]}\n", name, identity.HashToken(name+"-token"), strings.Join(gs, ", "))
	}
	dir, err := identity.Parse("identities.yaml", []byte(b.String()))
	require.NoError(t, err)
	return func(s *api.Server) { s.Identity = dir }
}

func newHarness(t *testing.T, withWorker bool, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{t: t, dataDir: t.TempDir()}
	ctx := context.Background()
	var err error
	h.ledger, err = ledger.Open(ctx, filepath.Join(h.dataDir, "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { h.ledger.Close() })
	h.client, err = client.Dial(client.Options{HostPort: server.FrontendHostPort(), Logger: quietLogger()})
	require.NoError(t, err)
	t.Cleanup(h.client.Close)

	srv := &api.Server{
		Builds:               &api.TemporalBuilds{Client: h.client},
		History:              h.ledger,
		Source:               gitsource.New(filepath.Join(h.dataDir, "git")),
		Logs:                 logstore.New(filepath.Join(h.dataDir, "logs")),
		Blobs:                blobstore.NewFS(filepath.Join(h.dataDir, "blobs")),
		TaskHeartbeatTimeout: 3 * time.Second,
		Promotions:           &api.TemporalPromotions{Client: h.client},
		PromotionLedger:      h.ledger,
		Callbacks:            h.ledger,
		Completer:            h.client,
	}
	for _, o := range opts {
		o(srv)
	}
	h.registerProjects(srv)
	srv.Audit = h.ledger
	srv.Freezes = h.ledger
	h.api = httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.CloseStreams(); h.api.Close() })
	srv.PublicURL = h.api.URL
	if withWorker {
		h.startWorker()
	}
	return h
}

// startWorker runs the worker in-process, as worker.Run would.
func (h *harness) startWorker() {
	cfg, err := worker.ConfigFromEnv(func(string) string { return "" })
	require.NoError(h.t, err)
	cfg.StopTimeout = 0 // nothing to wait for when a test or the benchmark ends
	cfg.DataDir, cfg.StartedDelay, cfg.KillGrace = h.dataDir, 100*time.Millisecond, time.Second
	acts := &activities.Activities{
		DataDir:            h.dataDir,
		Source:             gitsource.New(filepath.Join(h.dataDir, "git")),
		Logs:               logstore.New(filepath.Join(h.dataDir, "logs")),
		Blobs:              blobstore.NewFS(filepath.Join(h.dataDir, "blobs")),
		StartedSignalDelay: cfg.StartedDelay,
		KillGrace:          cfg.KillGrace,
		HeartbeatInterval:  200 * time.Millisecond,
		PublishRoot:        h.publishRoot,
		// Scripts get an explicit environment, not the worker's: the
		// examples' tests hand them their settings by name, as
		// DROVER_SANDBOX_PASS_ENV does in production.
		PassEnv: []string{"HELLO_HOME", "RELEASE_S3_ENDPOINT", "FOAS_HOME"},
	}
	if h.blobs != nil {
		acts.Blobs = h.blobs
	}
	heads := &activities.HeadPoller{APIURL: h.api.URL, Token: h.pollToken}
	// As worker.Run does: push steps are allowed by the projects file,
	// recorded in the ledger, and their commits built through the API.
	if h.projects != "" {
		reg, err := registry.Load(h.projects, time.Nanosecond, nil)
		require.NoError(h.t, err)
		acts.PushTargets = reg
	}
	acts.ChainPushes, acts.Builds = h.ledger, heads
	if h.secrets != nil {
		acts.Secrets = h.secrets
	}
	promotions := h.withCloudFormation(h.withS3(activities.NewPromotionActivities(acts, h.client, h.ledger, h.ledger, h.api.URL)))
	promotions.JenkinsPoll = 50 * time.Millisecond
	for _, w := range worker.NewWorkers(h.client, cfg, worker.ActivitySet{
		Tasks:      acts,
		Ledger:     &activities.LedgerActivities{Ledger: h.ledger},
		Promotions: promotions,
		Heads:      heads,
		Audit:      &activities.AuditActivities{Ledger: h.ledger},
		// As worker.Run registers it: a workflow's ResolveSinks local
		// activity that no worker has leaves no marker in the history, and
		// that history would not replay.
		Notifier: &activities.Notifier{Deliveries: h.ledger, PublicURL: h.api.URL},
	}) {
		require.NoError(h.t, w.Start())
		h.t.Cleanup(w.Stop)
	}
}

// startWorkerProcess runs bin/drover-worker on the harness's data dir, with
// env (NAME=value) added to its environment.
func (h *harness) startWorkerProcess(env ...string) *exec.Cmd {
	cmd := exec.Command(workerBin)
	cmd.Env = append(os.Environ(),
		"DROVER_TEMPORAL_ADDRESS="+server.FrontendHostPort(),
		"DROVER_DATA_DIR="+h.dataDir,
		"DROVER_LEDGER_DSN="+filepath.Join(h.dataDir, "ledger.db"),
		"DROVER_STARTED_SIGNAL_DELAY=100ms",
		"DROVER_PUBLIC_URL="+h.api.URL,
	)
	cmd.Env = append(cmd.Env, env...)
	logf, err := os.OpenFile(filepath.Join(h.dataDir, "worker.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(h.t, err)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(h.t, cmd.Start())
	h.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	return cmd
}

func quietLogger() log.Logger { return log.NewStructuredLogger(slog.New(slog.DiscardHandler)) }

// do sends a JSON request to the API and decodes the JSON answer into out.
func (h *harness) do(method, path string, body, out any) int {
	h.t.Helper()
	return h.doAs("", method, path, body, out)
}

// doAs is do with the bearer token of user ("" for none).
func (h *harness) doAs(user, method, path string, body, out any) int {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(h.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.api.URL+path, rd)
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+user+"-token")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	if out != nil {
		require.NoError(h.t, json.Unmarshal(data, out), "body: %s", data)
	}
	return resp.StatusCode
}

func buildPath(id string) string { return "/api/v1/builds/" + url.PathEscape(id) }

// state reads a build's live state through the API.
func (h *harness) state(id string) workflows.BuildState {
	var s workflows.BuildState
	require.Equal(h.t, http.StatusOK, h.do(http.MethodGet, buildPath(id), nil, &s))
	return s
}

// waitFor polls the build until cond holds or the deadline passes.
func (h *harness) waitFor(id string, within time.Duration, what string, cond func(workflows.BuildState) bool) workflows.BuildState {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := h.state(id)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(s, "", "  ")
			h.t.Fatalf("build %s: %s not reached within %s; state:\n%s", id, what, within, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func finished(s workflows.BuildState) bool { return s.Status != workflows.StatusRunning }

// promoted is finished, and for a succeeded build also its promotion
// started: the build records itself before it starts the promotion, so a
// succeeded state can briefly lack the promotion's ID.
func promoted(s workflows.BuildState) bool {
	return finished(s) && (s.Status != workflows.StatusSucceeded || s.PromotionID != "")
}

func taskOf(s workflows.BuildState, stage, task string) workflows.TaskState {
	for _, st := range s.Stages {
		if st.Name == stage {
			for _, t := range st.Tasks {
				if t.Name == task {
					return t
				}
			}
		}
	}
	return workflows.TaskState{}
}
