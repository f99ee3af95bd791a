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
	"github.com/drover-ci/drover/bootstrap"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/internal/health"
	"github.com/drover-ci/drover/secrets"
	"github.com/drover-ci/drover/storage"
	"github.com/drover-ci/drover/telemetry"
	"github.com/drover-ci/drover/workflows"
)

// Run connects to Temporal and the ledger and serves Drover's task queues until ctx ends.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	metrics, err := telemetry.NewMetrics()
	if err != nil {
		return err
	}
	defer func() { _ = metrics.Shutdown(context.WithoutCancel(ctx)) }()
	ldg, err := bootstrap.OpenLedger(ctx, cfg.LedgerDSN, logger)
	if err != nil {
		return err
	}
	defer ldg.Close()

	opts := client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    log.NewStructuredLogger(logger),
		// Workers made from this client record into metrics and trace
		// workflows and activities with the client's interceptors.
		MetricsHandler: metrics.TemporalHandler(),
		Interceptors:   cfg.Tracing.ClientInterceptors(),
	}
	c, err := cfg.TemporalTLS.Dial(ctx, opts, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	// drover-setup fails on this; the worker goes on, since a cluster may
	// keep its operator API from workers (Temporal Cloud) while the
	// attributes are there.
	if err := bootstrap.EnsureSearchAttributes(ctx, c, cfg.TemporalNamespace, logger); err != nil {
		logger.WarnContext(ctx, "search attributes not verified; workflows stall if one is missing (run drover-setup)", "error", err.Error())
	}

	logs, blobs, err := storage.Open(ctx, cfg.Storage, cfg.DataDir)
	if err != nil {
		return err
	}
	logger.Info("Log and blob stores opened.", "kind", cfg.Storage.Kind, "bucket", cfg.Storage.Bucket, "prefix", cfg.Storage.Prefix)
	acts := &activities.Activities{
		DataDir:            cfg.DataDir,
		Source:             gitsource.New(filepath.Join(cfg.DataDir, "git")),
		Logs:               logs,
		Blobs:              blobs,
		StartedSignalDelay: cfg.StartedDelay,
		KillGrace:          cfg.KillGrace,
		PublishRoot:        cfg.PublishRoot,
		Logger:             logger,
	}
	if err := SetUpSandbox(ctx, cfg.Sandbox, acts, logger); err != nil {
		return err
	}
	if err := SetUpProjects(ctx, cfg.ProjectsFile, 0, acts, logger); err != nil {
		return err
	}
	if cfg.Sandbox.SecretsKey != "" {
		cipher, err := secrets.CipherFromBase64(cfg.Sandbox.SecretsKey)
		if err != nil {
			return fmt.Errorf("DROVER_SECRETS_KEY: %w", err)
		}
		acts.Secrets = &secrets.Secrets{Store: ldg, Cipher: cipher}
	}
	set := ActivitySet{
		Tasks:      acts,
		Ledger:     &activities.LedgerActivities{Ledger: ldg, Logger: logger},
		Promotions: activities.NewPromotionActivities(acts, c, ldg, ldg, cfg.PublicURL),
		Notifier:   newNotifier(cfg, ldg, logger),
		Heads:      &activities.HeadPoller{APIURL: cfg.PublicURL, Token: cfg.PollToken, Logger: logger},
		Audit:      &activities.AuditActivities{Ledger: ldg},
	}
	// Push steps record their commits and ask the API to build them.
	acts.ChainPushes, acts.Builds = ldg, set.Heads
	set.Promotions.S3 = activities.NewLazyS3(cfg.Storage.AWS)
	if cfg.Storage.Kind == storage.KindS3 {
		set.Promotions.BlobBucket = cfg.Storage.Bucket
	}
	set.Promotions.Fence = ldg
	// Built on first use: a worker without AWS configuration still starts.
	set.Promotions.CloudFormation = activities.NewLazyCloudFormation(cfg.Storage.AWS)
	// A process-wide setting of the SDK, read when the first worker starts.
	worker.SetStickyWorkflowCacheSize(cfg.WorkflowCache)
	workers := NewWorkers(c, cfg, set)
	for _, w := range workers {
		if err := w.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		defer w.Stop()
	}
	// Faults a build would otherwise only stall on show in /healthz, in
	// drover_dependency_up and in this log at ERROR.
	checker := &health.Checker{Logger: logger, Checks: []health.Check{
		{Name: "temporal", Run: func(ctx context.Context) error {
			_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
		{Name: "ledger", Run: ldg.Ping},
		health.Blobs(blobs),
		health.Disk(cfg.DataDir, 0),
	}}
	if err := metrics.Registry.Register(checker); err != nil {
		return fmt.Errorf("register dependency metric: %w", err)
	}
	if stop := startMetricsServer(cfg.MetricsAddr, MetricsMux(metrics.Handler(), checker.Err), logger); stop != nil {
		defer stop()
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
	opts := WorkerOptions(cfg)
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

// WorkerOptions are the Temporal worker options of every worker NewWorkers
// builds; drover-bench gives its floors the same, so that they compare.
func WorkerOptions(cfg Config) worker.Options {
	return worker.Options{
		MaxConcurrentActivityExecutionSize: cfg.MaxTasks,
		// On SIGTERM running tasks get this long to finish before they are
		// cancelled (and retried elsewhere); compose and Kubernetes give the
		// process a little more before they kill it.
		WorkerStopTimeout: cfg.StopTimeout,
		// Cancellation reaches a running task only with a heartbeat's answer;
		// without this the SDK batches heartbeats for up to 80% of the
		// heartbeat timeout, and a cancelled build would take that long to stop.
		MaxHeartbeatThrottleInterval: time.Second,
		// A stage's tasks are scheduled together; two pollers would pick
		// them up two at a time.
		MaxConcurrentActivityTaskPollers: 8,
		MaxConcurrentWorkflowTaskPollers: 4,
	}
}
