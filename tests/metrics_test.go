package tests

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/telemetry"
	"github.com/drover-ci/drover/worker"
	"github.com/drover-ci/drover/workflows"
)

// metricsProject builds three tasks in two stages and promotes to dev, then
// to staging behind bob's approval.
func metricsProject(t *testing.T) (string, string) {
	return gitRepo(t, map[string]string{"drover.yaml": `project: metrics-demo
build:
  stages:
    - name: verify
      tasks:
        - {name: unit, checkout: false, run: "true"}
        - {name: lint, checkout: false, run: "true"}
    - name: package
      tasks:
        - {name: app, checkout: false, run: "echo app"}
    # More tasks than the server hands the workflow's worker eagerly (3):
    # the others go through the task queue, whose schedule-to-start the
    # dashboard reads (eager ones have none).
    - name: fan
      tasks:
        - {name: a, checkout: false, run: "true"}
        - {name: b, checkout: false, run: "true"}
        - {name: c, checkout: false, run: "true"}
        - {name: d, checkout: false, run: "true"}
        - {name: e, checkout: false, run: "true"}
        - {name: f, checkout: false, run: "true"}
promotion:
  environments:
    - name: dev
      deploy: {shell: "true"}
    - name: staging
      approval: {approvers: [bob]}
      deploy: {shell: "true"}
`})
}

// metricsHarness is a harness whose API serves /metrics and whose in-process
// worker records into its own registry, served like drover-worker serves it.
func metricsHarness(t *testing.T, opts ...harnessOption) (h *harness, workerURL string) {
	t.Helper()
	apiMetrics, err := telemetry.NewMetrics()
	require.NoError(t, err)
	httpMetrics, err := api.NewHTTPMetrics(apiMetrics.Registry)
	require.NoError(t, err)
	opts = append(opts, func(s *api.Server) {
		s.Metrics, s.MetricsHandler = httpMetrics, apiMetrics.Handler()
		counter, ok := s.PromotionLedger.(api.PendingApprovalCounter)
		require.True(t, ok, "the harness's promotion ledger counts pending approvals")
		apiMetrics.Registry.MustRegister(&api.ApprovalsWaiting{Ledger: counter})
	})
	h = newHarness(t, false, opts...)

	workerMetrics, err := telemetry.NewMetrics()
	require.NoError(t, err)
	c, err := client.Dial(client.Options{HostPort: server.FrontendHostPort(), Logger: quietLogger(),
		MetricsHandler: workerMetrics.TemporalHandler()})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	h.client = c
	h.startWorker()
	srv, err := worker.StartMetricsServer("127.0.0.1:0", worker.MetricsMux(workerMetrics.Handler(),
		func(ctx context.Context) error { _, err := c.CheckHealth(ctx, nil); return err }), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return h, "http://" + srv.Addr()
}

func TestMetricsAfterABuildAndAPromotion(t *testing.T) {
	h, workerURL := metricsHarness(t, withUsers(t, map[string][]string{"alice": {}, "bob": {}}))
	apiURL := h.api.URL
	repo, commit := metricsProject(t)
	h.register("metrics-demo", repo, legacyRoles)

	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	build := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, build.Status)
	id := contracts.PromotionID("metrics-demo", commit[:12])

	h.waitForPromotion(id, time.Minute, "staging awaiting approval", awaiting("staging"))
	waitForMetric(t, apiURL, "drover_approvals_waiting", labels{"project": "metrics-demo", "environment": "staging"}, 1)

	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodPost, promotionPath(id)+"/approve",
		map[string]string{"environment": "staging"}, nil))
	st := h.waitForPromotion(id, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)

	project := labels{"project": "metrics-demo"}
	waitForMetric(t, workerURL, "drover_builds_started_total", project, 1)
	waitForMetric(t, workerURL, "drover_builds_finished_total", labels{"project": "metrics-demo", "result": "succeeded"}, 1)
	waitForMetric(t, workerURL, "drover_promotions_started_total", project, 1)
	waitForMetric(t, workerURL, "drover_promotions_finished_total", labels{"project": "metrics-demo", "result": "completed"}, 1)
	for _, env := range []string{"dev", "staging"} {
		waitForMetric(t, workerURL, "drover_deploys_total", labels{"project": "metrics-demo", "environment": env, "result": "deployed"}, 1)
	}

	out := scrapeMetrics(t, workerURL)
	require.GreaterOrEqual(t, sumSeries(out, "drover_task_duration_seconds_count", labels{"project": "metrics-demo", "result": "succeeded"}), 3.0)
	require.GreaterOrEqual(t, sumSeries(out, "drover_task_duration_seconds_bucket", labels{"project": "metrics-demo", "le": "+Inf"}), 3.0)
	require.Zero(t, sumSeries(out, "drover_rollbacks_total", nil))
	require.GreaterOrEqual(t, sumSeries(out, "temporal_workflow_completed_total", labels{"workflow_type": "Build"}), 1.0)
	require.GreaterOrEqual(t, sumSeries(out, "temporal_activity_execution_latency_seconds_count", labels{"activity_type": "RunTask"}), 3.0)
	// The Grafana dashboard reads these two by task queue.
	require.Positive(t, sumSeries(out, "temporal_workflow_task_schedule_to_start_latency_seconds_bucket", labels{"task_queue": workflows.TaskQueue, "le": "+Inf"}))
	require.Positive(t, sumSeries(out, "temporal_activity_schedule_to_start_latency_seconds_bucket", labels{"task_queue": workflows.TaskQueue, "le": "+Inf"}))

	out = scrapeMetrics(t, apiURL)
	require.Equal(t, 1.0, sumSeries(out, "drover_http_requests_total", labels{"method": "POST", "route": "/api/v1/builds", "status": "202"}))
	require.Equal(t, 1.0, sumSeries(out, "drover_http_requests_total", labels{"method": "POST", "route": "/api/v1/promotions/:id/approve", "status": "200"}))
	require.GreaterOrEqual(t, sumSeries(out, "drover_http_request_duration_seconds_count", labels{"route": "/api/v1/builds/:id"}), 1.0)
	require.Zero(t, sumSeries(out, "drover_approvals_waiting", nil), "the approval was decided")
	require.NotContains(t, out, build.ID, "no raw path in labels")

	status, body := fetchText(t, workerURL+"/healthz")
	require.Equal(t, http.StatusOK, status, body)
}

type labels map[string]string

// fetchText GETs url and returns its status and body.
func fetchText(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func scrapeMetrics(t *testing.T, base string) string {
	t.Helper()
	status, body := fetchText(t, base+"/metrics")
	require.Equal(t, http.StatusOK, status, body)
	return body
}

// waitForMetric scrapes base until the series of name matching want sum to value.
func waitForMetric(t *testing.T, base, name string, want labels, value float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := scrapeMetrics(t, base)
		got := sumSeries(out, name, want)
		if got == value {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v at %s: got %v, want %v; exposition:\n%s", name, want, base, got, value, grepLines(out, name))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// sumSeries adds the values of the samples of name whose labels include want.
func sumSeries(exposition, name string, want labels) float64 {
	total := 0.0
	for _, line := range strings.Split(exposition, "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		have := labels{}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			have[p[1]] = p[2]
		}
		match := true
		for k, v := range want {
			if have[k] != v {
				match = false
			}
		}
		if v, err := strconv.ParseFloat(m[3], 64); match && err == nil {
			total += v
		}
	}
	return total
}

func grepLines(exposition, name string) string {
	var b strings.Builder
	for _, line := range strings.Split(exposition, "\n") {
		if strings.HasPrefix(line, name) {
			fmt.Fprintln(&b, line)
		}
	}
	return b.String()
}
