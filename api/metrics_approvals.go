package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drover-ci/drover/ledger"
)

// PendingApprovalLister lists the approval gates waiting for a decision;
// *ledger.Ledger implements it.
type PendingApprovalLister interface {
	ListPendingApprovals(ctx context.Context) ([]ledger.PendingApproval, error)
}

// ApprovalsWaiting is a Prometheus collector of drover_approvals_waiting
// {project,environment}: the approval gates waiting for a decision, read from
// the ledger at each scrape.
type ApprovalsWaiting struct {
	Ledger  PendingApprovalLister
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
	pending, err := a.Ledger.ListPendingApprovals(ctx)
	if err != nil {
		if a.Logger != nil {
			a.Logger.Warn("Pending approvals not read for metrics", "error", err)
		}
		ch <- prometheus.NewInvalidMetric(approvalsWaitingDesc, err)
		return
	}
	type key struct{ project, environment string }
	counts := map[key]int{}
	var order []key
	for _, p := range pending {
		k := key{p.Project, p.Environment}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	for _, k := range order {
		ch <- prometheus.MustNewConstMetric(approvalsWaitingDesc, prometheus.GaugeValue, float64(counts[k]), k.project, k.environment)
	}
}
