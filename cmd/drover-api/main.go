// Command drover-api serves Drover's REST API.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "drover-api:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string) error {
	cfg, err := api.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	if cfg.Logger, err = telemetry.Logger(getenv("DROVER_LOG_FORMAT"), getenv("DROVER_LOG_LEVEL"), os.Stderr); err != nil {
		return err
	}
	if cfg.Tracing, err = telemetry.NewTracing(ctx, "drover-api", getenv); err != nil {
		return err
	}
	defer shutdownTracing(cfg.Tracing, cfg.Logger)
	return api.Run(ctx, cfg)
}

// shutdownTracing flushes the spans still buffered, for at most 5s.
func shutdownTracing(t *telemetry.Tracing, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.Shutdown(ctx); err != nil {
		logger.Warn("spans not flushed", "error", err)
	}
}
