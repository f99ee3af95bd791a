package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/telemetry"
)

func TestTracingIsOffWithoutAnEndpoint(t *testing.T) {
	tr, err := telemetry.NewTracing(context.Background(), "drover-test", func(string) string { return "" })
	require.NoError(t, err)
	require.Nil(t, tr)
	require.False(t, tr.Enabled())
	require.Nil(t, tr.TracerProvider())
	require.Nil(t, tr.ClientInterceptors())
	require.NoError(t, tr.Shutdown(context.Background()))
}

func TestTracingExportsToTheOTLPEndpoint(t *testing.T) {
	for _, name := range []string{"DROVER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
		t.Run(name, func(t *testing.T) {
			var posts atomic.Int32
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" && len(body) > 0 {
					posts.Add(1)
				}
				w.Header().Set("Content-Type", "application/x-protobuf")
			}))
			defer receiver.Close()
			env := map[string]string{name: receiver.URL}
			tr, err := telemetry.NewTracing(context.Background(), "drover-test", func(k string) string { return env[k] })
			require.NoError(t, err)
			require.True(t, tr.Enabled())
			require.Len(t, tr.ClientInterceptors(), 1)
			_, span := tr.TracerProvider().Tracer("test").Start(context.Background(), "op")
			span.End()
			// Shutdown flushes the batch.
			require.NoError(t, tr.Shutdown(context.Background()))
			require.Equal(t, int32(1), posts.Load())
		})
	}
}

func TestTracingRefusesABadEndpoint(t *testing.T) {
	_, err := telemetry.NewTracing(context.Background(), "drover-test", func(k string) string {
		if k == "DROVER_OTLP_ENDPOINT" {
			return "collector:4318"
		}
		return ""
	})
	require.ErrorContains(t, err, "DROVER_OTLP_ENDPOINT")
}
