// Command drover-worker runs Drover's Temporal worker.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	// A zone database in the binary: deploy windows name zones, which
	// workflow code loads with time.LoadLocation. Go uses it when the host
	// has none (a scratch or distroless image), so a window never fails to
	// load there; a host with its own database still uses that one, until
	// promotions are compiled to zone-independent rules (issue 14, item 4).
	_ "time/tzdata"

	"github.com/drover-ci/drover/telemetry"
	"github.com/drover-ci/drover/worker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "drover-worker:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := worker.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	logger, err := telemetry.Logger(os.Getenv("DROVER_LOG_FORMAT"), os.Getenv("DROVER_LOG_LEVEL"), os.Stderr)
	if err != nil {
		return err
	}
	if cfg.Tracing, err = telemetry.NewTracing(ctx, "drover-worker", os.Getenv); err != nil {
		return err
	}
	defer shutdownTracing(cfg.Tracing, logger)
	return worker.Run(ctx, cfg, logger)
}

// shutdownTracing flushes the spans still buffered, for at most 5s.
func shutdownTracing(t *telemetry.Tracing, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.Shutdown(ctx); err != nil {
		logger.Warn("Spans not flushed", "error", err)
	}
}
