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
