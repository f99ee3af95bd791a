package telemetry

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Tracing exports spans over OTLP/HTTP: the API's requests (otelgin) and the
// Temporal client's and worker's calls, workflows and activities (the
// contrib/opentelemetry interceptor). A nil *Tracing is tracing off: its
// methods return nothing and do nothing.
type Tracing struct {
	provider    *sdktrace.TracerProvider
	interceptor interceptor.Interceptor
}

// TracingEndpoint is where spans go, from the environment: DROVER_OTLP_ENDPOINT,
// else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT;
// "" means tracing is off.
func TracingEndpoint(getenv func(string) string) string {
	for _, name := range []string{"DROVER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
	}
	return ""
}

// NewTracing starts tracing for service (the default service.name;
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win) when
// TracingEndpoint finds an endpoint, and returns nil otherwise.
// DROVER_OTLP_ENDPOINT is a base URL like OTEL_EXPORTER_OTLP_ENDPOINT, to
// which /v1/traces is added. The exporter honours the other standard
// OTEL_EXPORTER_OTLP_* variables of the process (headers, timeout, compression,
// certificates).
func NewTracing(ctx context.Context, service string, getenv func(string) string) (*Tracing, error) {
	if TracingEndpoint(getenv) == "" {
		return nil, nil
	}
	endpoint, err := tracesURL(getenv)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("create OTLP trace exporter: %w", err)
	}
	return NewTracingWithExporter(ctx, service, sdktrace.NewBatchSpanProcessor(exp))
}

// NewTracingWithExporter is NewTracing with the span processor given, for
// tests (sdktrace.NewSimpleSpanProcessor over a tracetest.InMemoryExporter).
func NewTracingWithExporter(ctx context.Context, service string, sp sdktrace.SpanProcessor) (*Tracing, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", service)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("tracing resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res),
		// Processors run in order: the redaction before the export.
		sdktrace.WithSpanProcessor(redactPaths{}), sdktrace.WithSpanProcessor(sp))
	icpt, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            tp.Tracer("go.temporal.io/sdk"),
		TextMapPropagator: Propagator(),
		// The API and the UI query running workflows all the time.
		DisableQueryTracing: true,
	})
	if err != nil {
		_ = tp.Shutdown(ctx)
		return nil, fmt.Errorf("temporal tracing interceptor: %w", err)
	}
	return &Tracing{provider: tp, interceptor: icpt}, nil
}

// tracesURL is the URL spans are posted to: a traces endpoint as given, a
// base endpoint with /v1/traces added.
func tracesURL(getenv func(string) string) (string, error) {
	name, raw, base := "DROVER_OTLP_ENDPOINT", strings.TrimSpace(getenv("DROVER_OTLP_ENDPOINT")), true
	if raw == "" {
		name, raw, base = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")), false
	}
	if raw == "" {
		name, raw, base = "OTEL_EXPORTER_OTLP_ENDPOINT", strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")), true
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s %q: want a URL such as http://collector:4318", name, raw)
	}
	if base {
		u.Path = strings.TrimRight(u.Path, "/") + "/v1/traces"
	}
	return u.String(), nil
}

// Propagator carries trace context and baggage in W3C headers, over HTTP and
// in Temporal headers alike.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// Enabled reports whether spans are exported.
func (t *Tracing) Enabled() bool { return t != nil }

// TracerProvider is the provider of Drover's spans; nil when tracing is off.
func (t *Tracing) TracerProvider() trace.TracerProvider {
	if t == nil {
		return nil
	}
	return t.provider
}

// ClientInterceptors are the interceptors of the Temporal client
// (client.Options.Interceptors); workers made from that client inherit them.
func (t *Tracing) ClientInterceptors() []interceptor.ClientInterceptor {
	if t == nil {
		return nil
	}
	return []interceptor.ClientInterceptor{t.interceptor}
}

// Shutdown flushes the spans still buffered and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if err := t.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down tracing: %w", err)
	}
	return nil
}
