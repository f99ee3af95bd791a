package api

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"

	"github.com/drover-ci/drover/telemetry"
)

// HTTPMetrics counts the API's requests by method, route template and status
// (drover_http_requests_total) and times them by method and route
// (drover_http_request_duration_seconds). The route is Gin's template, such as
// /api/v1/builds/:id, or "unmatched": never the raw URL.
type HTTPMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTPMetrics registers the request metrics on reg.
func NewHTTPMetrics(reg prometheus.Registerer) (*HTTPMetrics, error) {
	m := &HTTPMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "drover_http_requests_total",
			Help: "HTTP requests served by the Drover API, by method, route template and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "drover_http_request_duration_seconds",
			Help:    "Time the Drover API took to serve a request, by method and route template.",
			Buckets: telemetry.DurationBuckets,
		}, []string{"method", "route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// routeLabel is the route template of a request, never its raw path.
func routeLabel(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// observeRequests records the request in Metrics.
func (s *Server) observeRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := routeLabel(c)
	s.Metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	s.Metrics.duration.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

// observability is the middlewares that come before all others: tracing
// (when Tracer is set), the request id, request metrics (when Metrics is set).
func (s *Server) observability() []gin.HandlerFunc {
	var mw []gin.HandlerFunc
	if s.Tracer != nil {
		mw = append(mw, otelgin.Middleware("drover-api",
			otelgin.WithTracerProvider(s.Tracer),
			otelgin.WithPropagators(telemetry.Propagator()),
			otelgin.WithGinFilter(func(c *gin.Context) bool { return !quietRoute(c.FullPath()) })))
	}
	mw = append(mw, s.assignRequestID)
	if s.Metrics != nil {
		mw = append(mw, s.observeRequests)
	}
	return mw
}

// quietRoute is a route polled by machines: not traced, logged at debug level.
func quietRoute(route string) bool { return route == "/metrics" || route == "/healthz" }

// serveMetrics serves MetricsHandler, behind MetricsToken when it is set.
func (s *Server) serveMetrics(c *gin.Context) {
	if s.MetricsHandler == nil {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "no such route"))
		return
	}
	if s.MetricsToken != "" {
		got := []byte(c.GetHeader("Authorization"))
		if subtle.ConstantTimeCompare(got, []byte("Bearer "+s.MetricsToken)) != 1 {
			_ = c.Error(unauthorized("metrics need Authorization: Bearer <DROVER_METRICS_TOKEN>"))
			return
		}
	}
	s.MetricsHandler.ServeHTTP(c.Writer, c.Request)
}

// newAPIMetrics makes the API process's registry and its request metrics.
func newAPIMetrics() (*telemetry.Metrics, *HTTPMetrics, error) {
	metrics, err := telemetry.NewMetrics()
	if err != nil {
		return nil, nil, err
	}
	httpMetrics, err := NewHTTPMetrics(metrics.Registry)
	if err != nil {
		return nil, nil, fmt.Errorf("register http metrics: %w", err)
	}
	return metrics, httpMetrics, nil
}
