package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/telemetry"
)

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(body)
}

func TestTemporalHandlerExportsPrometheusNames(t *testing.T) {
	m, err := telemetry.NewMetrics()
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })

	h := m.TemporalHandler().WithTags(map[string]string{"project": "demo", "result": "succeeded"})
	h.Counter("drover_builds_finished").Inc(1)
	h.Counter("drover_builds_finished").Inc(2)
	h.Timer("drover_task_duration").Record(1500 * time.Millisecond)
	h.Gauge("drover_something").Update(4)

	out := scrape(t, m.Handler())
	require.Contains(t, out, "# TYPE drover_builds_finished_total counter")
	require.Contains(t, out, `drover_builds_finished_total{project="demo",result="succeeded"} 3`)
	require.Contains(t, out, "# TYPE drover_task_duration_seconds histogram")
	require.Contains(t, out, `drover_task_duration_seconds_bucket{project="demo",result="succeeded",le="2.5"} 1`)
	require.Contains(t, out, `drover_task_duration_seconds_count{project="demo",result="succeeded"} 1`)
	require.Contains(t, out, `drover_something{project="demo",result="succeeded"} 4`)
	require.Contains(t, out, "go_goroutines")
}
