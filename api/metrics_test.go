package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/telemetry"
)

// withMetrics gives ts a registry, request metrics and the approvals gauge.
func withMetrics(t *testing.T, ts *testServer) *telemetry.Metrics {
	t.Helper()
	m, hm, err := newAPIMetrics()
	require.NoError(t, err)
	require.NoError(t, m.Registry.Register(&ApprovalsWaiting{Ledger: ts.pledger}))
	ts.Metrics, ts.MetricsHandler = hm, m.Handler()
	return m
}

func scrapeBody(t *testing.T, ts *testServer, header ...string) string {
	t.Helper()
	rec := ts.do(t, http.MethodGet, "/metrics", "", header...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return rec.Body.String()
}

func TestRequestIDIsEchoedLoggedAndInErrors(t *testing.T) {
	ts := newTestServer()
	var logs bytes.Buffer
	ts.Logger = slog.New(slog.NewJSONHandler(&logs, nil))

	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"sane id is honoured", "req-42.a:b_c", true},
		{"none gets one", "", false},
		{"header injection is replaced", "bad id\r\nX-Evil: 1", false},
		{"too long is replaced", strings.Repeat("a", 129), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			var header []string
			if tt.sent != "" {
				header = []string{RequestIDHeader, tt.sent}
			}
			rec := ts.do(t, http.MethodGet, "/api/v1/builds/nope", "", header...)
			require.Equal(t, http.StatusNotFound, rec.Code)
			id := rec.Header().Get(RequestIDHeader)
			require.NotEmpty(t, id)
			if tt.kept {
				require.Equal(t, tt.sent, id)
			} else {
				require.NotEqual(t, tt.sent, id)
				require.True(t, saneRequestID(id))
			}
			var body ErrorBody
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			require.Equal(t, id, body.Error.RequestID)

			var line map[string]any
			require.NoError(t, json.Unmarshal(logs.Bytes(), &line), logs.String())
			require.Equal(t, "request", line["msg"])
			require.Equal(t, id, line["request_id"])
			require.Equal(t, "/api/v1/builds/:id", line["route"])
		})
	}
}

func TestRequestLogHoldsNoSecrets(t *testing.T) {
	ts := newTestServer()
	var logs bytes.Buffer
	ts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts.do(t, http.MethodPost, "/api/v1/callbacks/s3cret-callback-token?token=s3cret-query", `{"status":"succeeded"}`,
		"Authorization", "Bearer s3cret-bearer")
	ts.do(t, http.MethodGet, "/no/such/s3cret-path?token=s3cret-query", "")
	require.Contains(t, logs.String(), "route=/api/v1/callbacks/:token")
	require.Contains(t, logs.String(), "route=unmatched")
	require.NotContains(t, logs.String(), "s3cret")
}

func TestHTTPMetricsUseTheRouteTemplate(t *testing.T) {
	ts := newTestServer()
	withMetrics(t, ts)
	for _, id := range []string{"build%2Fdemo%2Fa", "build%2Fdemo%2Fb"} {
		require.Equal(t, http.StatusNotFound, ts.do(t, http.MethodGet, "/api/v1/builds/"+id, "").Code)
	}
	ts.do(t, http.MethodGet, "/unknown/s3cret", "")
	ts.do(t, http.MethodGet, "/healthz", "")

	out := scrapeBody(t, ts)
	require.Contains(t, out, `drover_http_requests_total{method="GET",route="/api/v1/builds/:id",status="404"} 2`)
	require.Contains(t, out, `drover_http_requests_total{method="GET",route="unmatched",status="404"} 1`)
	require.Contains(t, out, `drover_http_requests_total{method="GET",route="/healthz",status="200"} 1`)
	require.Contains(t, out, `drover_http_request_duration_seconds_count{method="GET",route="/api/v1/builds/:id"} 2`)
	require.NotContains(t, out, "s3cret")
	require.NotContains(t, out, "build/demo")
}

func TestMetricsEndpoint(t *testing.T) {
	t.Run("off without a handler", func(t *testing.T) {
		ts := newTestServer()
		require.Equal(t, http.StatusNotFound, ts.do(t, http.MethodGet, "/metrics", "").Code)
	})
	t.Run("behind a token when one is set", func(t *testing.T) {
		ts := newTestServer()
		withMetrics(t, ts)
		ts.MetricsToken = "scrape-me"
		require.Equal(t, http.StatusUnauthorized, ts.do(t, http.MethodGet, "/metrics", "").Code)
		require.Equal(t, http.StatusUnauthorized, ts.do(t, http.MethodGet, "/metrics", "", "Authorization", "Bearer wrong").Code)
		require.Contains(t, scrapeBody(t, ts, "Authorization", "Bearer scrape-me"), "go_goroutines")
	})
}

func TestApprovalsWaitingIsReadAtScrapeTime(t *testing.T) {
	ts := newTestServer()
	withMetrics(t, ts)
	require.NotContains(t, scrapeBody(t, ts), "drover_approvals_waiting{")

	ts.pledger.pending = []ledger.PendingApproval{
		{PromotionID: "promote/a/1", Project: "a", Environment: "prod"},
		{PromotionID: "promote/a/2", Project: "a", Environment: "prod"},
		{PromotionID: "promote/b/1", Project: "b", Environment: "staging"},
	}
	out := scrapeBody(t, ts)
	require.Contains(t, out, `drover_approvals_waiting{environment="prod",project="a"} 2`)
	require.Contains(t, out, `drover_approvals_waiting{environment="staging",project="b"} 1`)

	// A ledger that fails loses the gauge, not the scrape.
	ts.pledger.pending, ts.pledger.pendingErr = nil, errors.New("database is locked")
	rec := ts.do(t, http.MethodGet, "/metrics", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "drover_http_requests_total")
}

func TestTracingSpansRequestsByRouteWithoutSecrets(t *testing.T) {
	ts := newTestServer()
	spans := tracetest.NewInMemoryExporter()
	tr, err := telemetry.NewTracingWithExporter(context.Background(), "drover-api", sdktrace.NewSimpleSpanProcessor(spans))
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	ts.Tracer = tr.TracerProvider()

	ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fa", "")
	ts.do(t, http.MethodPost, "/api/v1/callbacks/s3cret-callback-token", `{"status":"succeeded"}`)
	ts.do(t, http.MethodGet, "/healthz", "")

	got := spans.GetSpans()
	require.Len(t, got, 2, "healthz is not traced")
	require.Equal(t, "GET /api/v1/builds/:id", got[0].Name)
	for _, s := range got {
		for _, a := range s.Attributes {
			require.NotContains(t, a.Value.String(), "s3cret", "attribute %s", a.Key)
		}
	}
	require.Contains(t, got[1].Attributes, attribute.String("url.path", "/api/v1/callbacks/:token"))
}

// A request carrying a traceparent continues the caller's trace.
func TestTracingContinuesTheCallersTrace(t *testing.T) {
	ts := newTestServer()
	spans := tracetest.NewInMemoryExporter()
	tr, err := telemetry.NewTracingWithExporter(context.Background(), "drover-api", sdktrace.NewSimpleSpanProcessor(spans))
	require.NoError(t, err)
	ts.Tracer = tr.TracerProvider()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/promotions", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	ts.Handler().ServeHTTP(httptest.NewRecorder(), req)
	got := spans.GetSpans()
	require.Len(t, got, 1)
	require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", got[0].SpanContext.TraceID().String())
}
