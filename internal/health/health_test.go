package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/internal/health"
	"github.com/drover-ci/drover/ledger"
)

// upMetric gathers drover_dependency_up from reg by dependency.
func upMetric(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "drover_dependency_up" {
			continue
		}
		for _, m := range f.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out
}

func get(t *testing.T, h http.Handler) (int, health.Report) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	var rep health.Report
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep), rec.Body.String())
	return rec.Code, rep
}

// TestCheckerNamesTheFailingDependency runs the checks over a real SQLite
// ledger, a real file blob store and a real data directory; each fault
// shows as a 503 naming its dependency and as drover_dependency_up 0, and
// the report is ok again once the fault goes.
func TestCheckerNamesTheFailingDependency(t *testing.T) {
	dir := t.TempDir()
	led, err := ledger.Open(t.Context(), filepath.Join(dir, "ledger.db"))
	require.NoError(t, err)
	blobDir := filepath.Join(dir, "blobs")
	require.NoError(t, os.MkdirAll(blobDir, 0o755))
	temporalDown := false
	c := &health.Checker{Checks: []health.Check{
		{Name: "temporal", Run: func(context.Context) error {
			if temporalDown {
				return errors.New("dial tcp 10.0.0.1:7233: secret-internal-detail")
			}
			return nil
		}},
		{Name: "ledger", Run: led.Ping},
		health.Blobs(blobstore.NewFS(blobDir)),
		health.Disk(dir, 1),
	}}
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(c))

	code, rep := get(t, c)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, health.Report{Status: "ok", Checks: map[string]string{
		"temporal": "ok", "ledger": "ok", "blobstore": "ok", "disk": "ok"}}, rep)
	require.Equal(t, map[string]float64{"blobstore": 1, "disk": 1, "ledger": 1, "temporal": 1}, upMetric(t, reg))

	temporalDown = true
	require.NoError(t, led.Close())
	code, rep = get(t, c)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "unavailable", rep.Status)
	require.Equal(t, "unreachable", rep.Checks["temporal"], "internals stay in the log")
	require.Equal(t, "unreachable", rep.Checks["ledger"])
	require.Equal(t, "ok", rep.Checks["disk"])
	require.ErrorContains(t, c.Err(t.Context()), "unhealthy: [ledger: unreachable temporal: unreachable]")
	require.Equal(t, map[string]float64{"blobstore": 1, "disk": 1, "ledger": 0, "temporal": 0}, upMetric(t, reg))

	// A disk asked for more free space than any has, and one that cannot be written.
	code, rep = get(t, &health.Checker{Checks: []health.Check{health.Disk(dir, 1<<62)}})
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, rep.Checks["disk"], "low: ")
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		require.NoError(t, os.Mkdir(ro, 0o555))
		code, rep = get(t, &health.Checker{Checks: []health.Check{health.Disk(ro, 1)}})
		require.Equal(t, http.StatusServiceUnavailable, code)
		require.Equal(t, "not writable", rep.Checks["disk"])
	}

	temporalDown = false
	led, err = ledger.Open(t.Context(), filepath.Join(dir, "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = led.Close() })
	c.Checks[1] = health.Check{Name: "ledger", Run: led.Ping}
	code, _ = get(t, c)
	require.Equal(t, http.StatusOK, code, "healthy again once the faults go")
}
