// Package grafana holds Drover's Grafana dashboard; this test keeps its
// queries on the metric names Drover and the Temporal SDK export.
package grafana

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// exported lists the series Drover's /metrics endpoints serve (telemetry
// and the Temporal SDK's metrics handler).
var exported = []string{
	"drover_builds_started_total",
	"drover_builds_finished_total",
	"drover_promotions_started_total",
	"drover_promotions_finished_total",
	"drover_task_duration_seconds_bucket",
	"drover_approvals_waiting",
	"drover_deploys_total",
	"drover_rollbacks_total",
	"drover_sink_delivery_failures_total",
	"drover_http_requests_total",
	"drover_http_request_duration_seconds_bucket",
}

// exportedPrefixes are the Temporal SDK timers, whose exact suffix depends
// on the exporter (_seconds_bucket under OpenTelemetry's Prometheus exporter).
var exportedPrefixes = []string{
	"temporal_workflow_task_schedule_to_start_latency",
	"temporal_activity_schedule_to_start_latency",
}

type dashboard struct {
	Title  string  `json:"title"`
	UID    string  `json:"uid"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

var metricName = regexp.MustCompile(`\b(?:drover|temporal)_[a-z0-9_]+\b`)

func known(name string) bool {
	for _, m := range exported {
		if name == m {
			return true
		}
	}
	for _, p := range exportedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func TestDashboardQueriesExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("drover-dashboard.json")
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d))
	require.NotEmpty(t, d.UID)
	used := map[string]bool{}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		require.False(t, ids[p.ID], "panel id %d used twice", p.ID)
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			names := metricName.FindAllString(tg.Expr, -1)
			require.NotEmpty(t, names, "panel %q: %s names no Drover or Temporal metric", p.Title, tg.Expr)
			for _, n := range names {
				require.True(t, known(n), "panel %q queries %s, which Drover does not export", p.Title, n)
				used[n] = true
			}
		}
	}
	for _, m := range exported {
		require.True(t, used[m], "no panel shows %s", m)
	}
	for _, p := range exportedPrefixes {
		found := false
		for n := range used {
			found = found || strings.HasPrefix(n, p)
		}
		require.True(t, found, "no panel shows %s", p)
	}
}
