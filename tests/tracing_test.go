package tests

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/telemetry"
	"github.com/drover-ci/drover/workflows"
)

// otlpReceiver is an OTLP/HTTP traces endpoint that keeps the spans it gets.
type otlpReceiver struct {
	mu    sync.Mutex
	spans map[string][]string // span name -> trace ids
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if r.URL.Path != "/v1/traces" || err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var req collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				o.spans[s.Name] = append(o.spans[s.Name], string(s.TraceId))
			}
		}
	}
	o.mu.Unlock()
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (o *otlpReceiver) traces(name string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.spans[name]...)
}

func TestTracesOfABuildReachTheOTLPReceiver(t *testing.T) {
	receiver := &otlpReceiver{spans: map[string][]string{}}
	collector := httptest.NewServer(receiver)
	defer collector.Close()
	tr, err := telemetry.NewTracing(context.Background(), "drover-test", func(k string) string {
		if k == "DROVER_OTLP_ENDPOINT" {
			return collector.URL
		}
		return ""
	})
	require.NoError(t, err)
	require.True(t, tr.Enabled())

	// One client for the API and the worker, as each process has its own.
	c, err := client.Dial(client.Options{HostPort: server.FrontendHostPort(), Logger: quietLogger(),
		Interceptors: tr.ClientInterceptors()})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	h := newHarness(t, false, withUsers(t, map[string][]string{"alice": {}}), func(s *api.Server) {
		s.Builds, s.Tracer = &api.TemporalBuilds{Client: c}, tr.TracerProvider()
	})
	h.client = c
	h.startWorker()

	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: traced
build:
  stages:
    - name: verify
      tasks:
        - {name: unit, checkout: false, run: "true"}
`})
	h.register("traced", repo, legacyRoles)
	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	require.Equal(t, workflows.StatusSucceeded, h.waitFor(created.ID, time.Minute, "the end", finished).Status)
	// The state says succeeded before the workflow returns (it still asks
	// for downstream builds); its RunWorkflow span ends when it returns.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var state workflows.BuildState
	require.NoError(t, c.GetWorkflow(ctx, created.ID, "").Get(ctx, &state))

	// Shutting tracing down flushes every span ended so far.
	require.NoError(t, tr.Shutdown(context.Background()))
	request := receiver.traces("POST /api/v1/builds")
	require.Len(t, request, 1)
	require.Contains(t, receiver.traces("StartWorkflow:Build"), request[0], "the workflow starts inside the request's trace")
	require.Contains(t, receiver.traces("RunWorkflow:Build"), request[0])
	require.Contains(t, receiver.traces("RunActivity:RunTask"), request[0])
}
