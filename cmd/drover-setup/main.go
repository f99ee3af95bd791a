// Command drover-setup prepares a cluster for Drover and exits: it opens the
// ledger (creating or migrating its schema), waits for the Temporal
// namespace and registers the search attributes Drover's workflows set. It
// is idempotent; docker-compose and Kubernetes run it as a one-shot job
// before the worker and the API.
//
// `drover-setup healthcheck URL` instead GETs URL and exits 0 on a 2xx
// answer: the container health check of images without curl (distroless).
//
// Environment: DROVER_LEDGER_DSN (default <DROVER_DATA_DIR>/ledger.db),
// DROVER_DATA_DIR (default .drover/data), DROVER_TEMPORAL_ADDRESS (default
// 127.0.0.1:7233), DROVER_TEMPORAL_NAMESPACE (default "default") and
// DROVER_SETUP_TIMEOUT (default 5m: how long to wait for the ledger and
// Temporal before failing); it logs as DROVER_LOG_FORMAT and
// DROVER_LOG_LEVEL say.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/drover-ci/drover/bootstrap"
	"github.com/drover-ci/drover/telemetry"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "healthcheck" {
		if err := healthcheck(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		return
	}
	// The same log format as the worker and the API (DROVER_LOG_FORMAT,
	// DROVER_LOG_LEVEL), so one log pipeline reads all three.
	logger, err := telemetry.Logger(os.Getenv("DROVER_LOG_FORMAT"), os.Getenv("DROVER_LOG_LEVEL"), os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drover-setup:", err)
		os.Exit(1)
	}
	if err := run(logger); err != nil {
		logger.Error("drover-setup failed", "error", err.Error())
		os.Exit(1)
	}
}

// config of the setup job, from the same variables the worker and API read.
type config struct {
	LedgerDSN, TemporalAddress, Namespace string
	Timeout                               time.Duration
	TemporalTLS                           bootstrap.TemporalConnection
}

func configFromEnv(getenv func(string) string) (config, error) {
	or := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	c := config{
		LedgerDSN:       or("DROVER_LEDGER_DSN", filepath.Join(or("DROVER_DATA_DIR", filepath.Join(".drover", "data")), "ledger.db")),
		TemporalAddress: or("DROVER_TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		Namespace:       or("DROVER_TEMPORAL_NAMESPACE", "default"),
		TemporalTLS:     bootstrap.TemporalConnectionFromEnv(getenv),
	}
	var err error
	if c.Timeout, err = time.ParseDuration(or("DROVER_SETUP_TIMEOUT", "5m")); err != nil || c.Timeout <= 0 {
		return c, fmt.Errorf("DROVER_SETUP_TIMEOUT: want a positive duration such as 5m")
	}
	return c, nil
}

func run(logger *slog.Logger) error {
	cfg, err := configFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	ldg, err := bootstrap.OpenLedger(ctx, cfg.LedgerDSN, logger)
	if err != nil {
		return err
	}
	logger.Info("ledger ready", "dialect", ldg.Dialect())
	if err := ldg.Close(); err != nil {
		return fmt.Errorf("close ledger: %w", err)
	}

	opts := client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.Namespace,
		Logger:    log.NewStructuredLogger(logger),
	}
	c, err := cfg.TemporalTLS.Dial(ctx, opts, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := bootstrap.EnsureSearchAttributes(ctx, c, cfg.Namespace, logger); err != nil {
		return err
	}
	logger.Info("drover-setup done", "temporal", cfg.TemporalAddress, "namespace", cfg.Namespace)
	return nil
}
