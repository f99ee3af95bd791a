package worker

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/workflows"
)

// Run connects to Temporal and the ledger and serves Drover's task queues until ctx ends.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	ldg, err := ledger.Open(ctx, cfg.LedgerDSN)
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer ldg.Close()

	c, err := client.DialContext(ctx, client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    log.NewStructuredLogger(logger),
	})
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer c.Close()

	acts := &activities.Activities{
		DataDir:            cfg.DataDir,
		Source:             gitsource.New(filepath.Join(cfg.DataDir, "git")),
		Logs:               logstore.New(filepath.Join(cfg.DataDir, "logs")),
		Blobs:              blobstore.NewFS(filepath.Join(cfg.DataDir, "blobs")),
		Notifier:           SignalNotifier{Client: c},
		StartedSignalDelay: cfg.StartedDelay,
		KillGrace:          cfg.KillGrace,
		PublishRoot:        cfg.PublishRoot,
		Logger:             logger,
	}
	set := ActivitySet{
		Tasks:      acts,
		Ledger:     &activities.LedgerActivities{Ledger: ldg},
		Promotions: activities.NewPromotionActivities(acts, c, ldg, ldg, cfg.PublicURL),
		Notifier:   newNotifier(cfg, ldg, logger),
		Heads:      &activities.HeadPoller{APIURL: cfg.PublicURL, Token: cfg.PollToken, Logger: logger},
	}
	workers := NewWorkers(c, cfg, set)
	for _, w := range workers {
		if err := w.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		defer w.Stop()
	}
	logger.Info("Worker started", "temporal", cfg.TemporalAddress, "namespace", cfg.TemporalNamespace,
		"data_dir", cfg.DataDir, "labels", cfg.Labels, "ledger", ldg.Dialect())
	<-ctx.Done()
	logger.Info("Worker stopping")
	return nil
}

// NewWorkers builds (without starting) one Temporal worker per task queue
// this configuration serves: the default queue with workflows and all
// activities, and one activities-only worker per label queue.
func NewWorkers(c client.Client, cfg Config, set ActivitySet) []worker.Worker {
	opts := worker.Options{
		MaxConcurrentActivityExecutionSize: cfg.MaxTasks,
		// Cancellation reaches a running task only with a heartbeat's answer;
		// without this the SDK batches heartbeats for up to 80% of the
		// heartbeat timeout, and a cancelled build would take that long to stop.
		MaxHeartbeatThrottleInterval: time.Second,
		// A stage's tasks are scheduled together; two pollers would pick
		// them up two at a time.
		MaxConcurrentActivityTaskPollers: 8,
		MaxConcurrentWorkflowTaskPollers: 4,
	}
	var workers []worker.Worker
	if !cfg.NoWorkflows {
		w := worker.New(c, workflows.TaskQueue, opts)
		RegisterWorkflows(w)
		RegisterActivities(w, set)
		workers = append(workers, w)
	}
	for _, q := range LabelQueues(cfg.Labels, workflows.TaskQueueFor) {
		w := worker.New(c, q, opts)
		RegisterActivities(w, ActivitySet{Tasks: set.Tasks})
		workers = append(workers, w)
	}
	return workers
}
