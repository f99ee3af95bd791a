// Package telemetry holds Drover's observability plumbing: a Prometheus
// registry fed by the Temporal SDK's metrics, OTLP tracing and the process
// logger. It knows nothing of builds or promotions.
package telemetry

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// DurationBuckets are the histogram buckets, in seconds, of every duration
// Drover and the Temporal SDK record: from milliseconds (a workflow task) to
// an hour (a long build task).
var DurationBuckets = []float64{
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
}

// Metrics is one process's metrics: a Prometheus registry that the Temporal
// SDK (through an OpenTelemetry meter provider) and Drover's own collectors
// feed, and the /metrics handler that serves it.
type Metrics struct {
	// Registry holds every series of the process; register collectors on it.
	Registry *prometheus.Registry
	provider *sdkmetric.MeterProvider
	temporal client.MetricsHandler
}

// NewMetrics makes a registry with the Go runtime and process collectors and
// a Temporal metrics handler exporting into it. A counter named "x" through
// the handler is exposed as x_total, a timer "x" as the histogram x_seconds.
func NewMetrics() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exp, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
		otelprom.WithoutScopeInfo(),
		otelprom.WithoutTargetInfo(),
	)
	if err != nil {
		return nil, fmt.Errorf("create prometheus exporter: %w", err)
	}
	// The SDK's default buckets suit milliseconds; every timer here is in seconds.
	seconds := sdkmetric.NewView(
		sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Unit: "s"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: DurationBuckets}},
	)
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithView(seconds))
	handler := temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter: provider.Meter("drover"),
		// A metric that cannot be made is no reason to crash a worker.
		OnError:              func(error) {},
		UseMonotonicCounters: true,
	})
	return &Metrics{Registry: reg, provider: provider, temporal: handler}, nil
}

// TemporalHandler is the client.MetricsHandler of the Temporal client
// (client.Options.MetricsHandler): the SDK's metrics and those workflows and
// activities record through workflow.GetMetricsHandler and
// activity.GetMetricsHandler end up in Registry.
func (m *Metrics) TemporalHandler() client.MetricsHandler { return m.temporal }

// Handler serves the registry in the Prometheus text format (GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Shutdown stops the meter provider.
func (m *Metrics) Shutdown(ctx context.Context) error {
	if err := m.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down meter provider: %w", err)
	}
	return nil
}
