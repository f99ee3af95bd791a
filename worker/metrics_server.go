package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// DefaultMetricsAddr is where a worker serves /metrics and /healthz unless
// DROVER_WORKER_METRICS_ADDR says otherwise ("off" disables the server).
const DefaultMetricsAddr = "127.0.0.1:9090"

// MetricsMux serves GET /metrics from metrics and GET /healthz, which answers
// 200 "ok" while health returns nil and 503 with its error (which must name
// the failing dependencies and hold no internals) otherwise.
func MetricsMux(metrics http.Handler, health func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := health(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// MetricsServer is a worker's small HTTP server for /metrics and /healthz.
type MetricsServer struct {
	hs   *http.Server
	addr string
	done chan struct{}
}

// StartMetricsServer serves h on addr in the background.
func StartMetricsServer(addr string, h http.Handler, logger *slog.Logger) (*MetricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics on %s: %w", addr, err)
	}
	s := &MetricsServer{
		hs:   &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		addr: ln.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("Metrics server stopped", "error", err)
		}
	}()
	return s, nil
}

// Addr is the address the server listens on.
func (s *MetricsServer) Addr() string { return s.addr }

// Shutdown stops the server, waiting for requests in flight until ctx ends.
func (s *MetricsServer) Shutdown(ctx context.Context) error {
	err := s.hs.Shutdown(ctx)
	<-s.done
	if err != nil {
		return fmt.Errorf("shut down metrics server: %w", err)
	}
	return nil
}

// startMetricsServer serves h on addr unless addr is empty. A worker without
// its metrics still works, so a port in use is logged, not fatal. stop is nil
// when nothing was started.
func startMetricsServer(addr string, h http.Handler, logger *slog.Logger) (stop func()) {
	if addr == "" {
		return nil
	}
	s, err := StartMetricsServer(addr, h, logger)
	if err != nil {
		logger.Error("Metrics server not started", "error", err)
		return nil
	}
	logger.Info("Metrics server listening", "addr", s.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}
}
