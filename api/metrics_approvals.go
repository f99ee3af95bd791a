package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drover-ci/drover/ledger"
)

// PendingApprovalCounter counts the approval gates waiting for a decision,
// by project and environment; *ledger.Ledger implements it.
type PendingApprovalCounter interface {
	CountPendingApprovals(ctx context.Context) ([]ledger.WaitingCount, error)
}

// ApprovalsWaiting is a Prometheus collector of drover_approvals_waiting
// {project,environment}: the approval gates waiting for a decision, read from
// the ledger at each scrape.
type ApprovalsWaiting struct {
	Ledger  PendingApprovalCounter
	Logger  *slog.Logger  // nil logs nothing
	Timeout time.Duration // of the ledger query; zero means 5s
}

var approvalsWaitingDesc = prometheus.NewDesc("drover_approvals_waiting",
	"Approval gates waiting for a decision, by project and environment.",
	[]string{"project", "environment"}, nil)

// Describe implements prometheus.Collector.
func (a *ApprovalsWaiting) Describe(ch chan<- *prometheus.Desc) { ch <- approvalsWaitingDesc }

// Collect implements prometheus.Collector. A ledger error fails this metric
// only; the rest of the scrape is served.
func (a *ApprovalsWaiting) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), durationOr(a.Timeout, 5*time.Second))
	defer cancel()
	counts, err := a.Ledger.CountPendingApprovals(ctx)
	if err != nil {
		if a.Logger != nil {
			a.Logger.Warn("Pending approvals not read for metrics", "error", err)
		}
		ch <- prometheus.NewInvalidMetric(approvalsWaitingDesc, err)
		return
	}
	for _, c := range counts {
		ch <- prometheus.MustNewConstMetric(approvalsWaitingDesc, prometheus.GaugeValue, float64(c.Waiting), c.Project, c.Environment)
	}
}
