package workflows

import (
	"strings"

	"go.temporal.io/sdk/workflow"
)

// Names of the metrics workflows record through workflow.GetMetricsHandler,
// which stays silent on replay and adds no command to the history. The
// worker's Prometheus exporter adds the suffix _total to each (see telemetry).
const (
	MetricBuildsStarted        = "drover_builds_started"
	MetricBuildsFinished       = "drover_builds_finished"
	MetricPromotionsStarted    = "drover_promotions_started"
	MetricPromotionsFinished   = "drover_promotions_finished"
	MetricDeploys              = "drover_deploys"
	MetricRollbacks            = "drover_rollbacks"
	MetricSinkDeliveryFailures = "drover_sink_delivery_failures"
)

// count adds one to the counter name with the given label pairs.
func count(ctx workflow.Context, name string, labels ...string) {
	tags := make(map[string]string, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		tags[labels[i]] = labels[i+1]
	}
	workflow.GetMetricsHandler(ctx).WithTags(tags).Counter(name).Inc(1)
}

// sinkKind is the kind of a sink named "<kind> <target>" (webhook, slack,
// status): targets are unbounded and a webhook URL may hold a secret.
func sinkKind(sink string) string {
	kind, _, _ := strings.Cut(sink, " ")
	return kind
}
