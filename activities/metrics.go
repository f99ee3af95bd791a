package activities

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Names of the metrics activities record through activity.GetMetricsHandler;
// the worker's Prometheus exporter adds _seconds to a timer and _total to a
// counter (see telemetry).
const (
	MetricTaskDuration         = "drover_task_duration"
	MetricSinkDeliveryAttempts = "drover_sink_delivery_attempts"
)

// observeTask records one task attempt's duration with its result:
// succeeded, failed, timed_out, cancelled or error (an infrastructure failure).
func observeTask(ctx context.Context, project string, elapsed time.Duration, err error) {
	if !activity.IsActivity(ctx) {
		return
	}
	result := "succeeded"
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
	case errors.As(err, &appErr) && appErr.Type() == ErrTypeTaskFailed:
		result = "failed"
	case errors.As(err, &appErr) && appErr.Type() == ErrTypeTaskTimedOut:
		result = "timed_out"
	case ctx.Err() != nil:
		result = "cancelled"
	default:
		result = "error"
	}
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"project": project, "result": result}).
		Timer(MetricTaskDuration).Record(elapsed)
}

// countDeliveryAttempt counts one delivery attempt to a sink named
// "<kind> <target>", labelled with the kind only: targets are unbounded and
// a webhook URL may hold a secret.
func countDeliveryAttempt(ctx context.Context, sink string, err error) {
	if !activity.IsActivity(ctx) {
		return
	}
	kind, _, _ := strings.Cut(sink, " ")
	result := "ok"
	if err != nil {
		result = "error"
	}
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"sink": kind, "result": result}).
		Counter(MetricSinkDeliveryAttempts).Inc(1)
}
