package worker_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/telemetry"
	"github.com/drover-ci/drover/worker"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestMetricsServerServesMetricsAndHealth(t *testing.T) {
	m, err := telemetry.NewMetrics()
	require.NoError(t, err)
	m.TemporalHandler().Counter("temporal_request").Inc(1)
	var healthErr error
	mux := worker.MetricsMux(m.Handler(), func(context.Context) error { return healthErr })
	srv, err := worker.StartMetricsServer("127.0.0.1:0", mux, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	base := "http://" + srv.Addr()

	status, body := get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "temporal_request_total 1")
	status, body = get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok\n", body)
	healthErr = errors.New("temporal down")
	status, _ = get(t, base+"/healthz")
	require.Equal(t, http.StatusServiceUnavailable, status)
	status, _ = get(t, base+"/other")
	require.Equal(t, http.StatusNotFound, status)

	require.NoError(t, srv.Shutdown(context.Background()))
	_, err = http.Get(base + "/metrics")
	require.Error(t, err)
}

func TestMetricsAddrConfig(t *testing.T) {
	tests := []struct{ env, want string }{
		{"", worker.DefaultMetricsAddr},
		{"off", ""},
		{"OFF", ""},
		{":9191", ":9191"},
	}
	for _, tt := range tests {
		cfg, err := worker.ConfigFromEnv(func(k string) string {
			if k == "DROVER_WORKER_METRICS_ADDR" {
				return tt.env
			}
			return ""
		})
		require.NoError(t, err)
		require.Equal(t, tt.want, cfg.MetricsAddr, "env %q", tt.env)
	}
}
