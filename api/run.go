package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/drover-ci/drover/bootstrap"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/internal/health"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/secrets"
	"github.com/drover-ci/drover/storage"
)

// Run builds the API's clients from cfg and serves until ctx is cancelled,
// then shuts down gracefully within cfg.ShutdownTimeout.
func Run(ctx context.Context, cfg Config) error {
	cfg.setDefaults()
	logger := cfg.Logger
	gin.SetMode(gin.ReleaseMode)
	metrics, httpMetrics, err := newAPIMetrics()
	if err != nil {
		return err
	}
	defer func() { _ = metrics.Shutdown(context.WithoutCancel(ctx)) }()

	for _, dir := range []string{cfg.LogsDir(), cfg.GitCacheDir()} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create data dir %s: %w", dir, err)
		}
	}
	var ids Authenticator
	var slackUsers SlackUserDirectory
	if cfg.IdentityFile != "" {
		dir, err := identity.Load(cfg.IdentityFile)
		if err != nil {
			return fmt.Errorf("load identity file: %w", err)
		}
		ids, slackUsers = dir, dir
		// Changes of the file apply without a restart; a broken one is
		// logged and the users loaded before stay.
		go dir.Watch(ctx, cfg.IdentityFile, cfg.IdentityReloadInterval, logger)
		logger.InfoContext(ctx, "authentication on", "identity_file", cfg.IdentityFile, "users", len(dir.Users()))
	} else {
		logger.WarnContext(ctx, "authentication off: no DROVER_IDENTITY_FILE; callers name themselves with X-Drover-User")
	}
	var projects *registry.Registry
	switch {
	case cfg.ProjectsFile != "":
		projects, err = registry.Load(cfg.ProjectsFile, 0, func(msg string, err error) {
			if err != nil {
				logger.Error(msg, "projects_file", cfg.ProjectsFile, "error", err)
			} else {
				logger.Info(msg, "projects_file", cfg.ProjectsFile)
			}
		})
		if err != nil {
			return fmt.Errorf("load projects file: %w", err)
		}
		logger.InfoContext(ctx, "projects registered", "projects_file", cfg.ProjectsFile, "projects", len(projects.Projects()))
	case cfg.IdentityFile != "":
		logger.WarnContext(ctx, "no DROVER_PROJECTS_FILE: no project is registered, so every build, webhook and promotion is refused")
	default:
		logger.WarnContext(ctx, "nothing is protected: no DROVER_IDENTITY_FILE and no DROVER_PROJECTS_FILE; any caller may build any repository and promote anything (local development only)")
	}
	if cfg.SlackSigningSecret != "" && slackUsers == nil {
		logger.WarnContext(ctx, "slack interactions on but no identity file links slack users: every decision from slack is refused")
	}
	signer, fromFile, err := cfg.decisionSigner()
	if err != nil {
		return err
	}
	if fromFile {
		logger.WarnContext(ctx, "decision key read from the data dir; set DROVER_DECISION_KEY in production",
			"file", cfg.DecisionKeyFile(), "key_id", signer.PublicKey().ID)
	} else {
		logger.InfoContext(ctx, "decision key configured", "key_id", signer.PublicKey().ID)
	}
	if cfg.OperatorDecisions {
		logger.WarnContext(ctx, "temporal-operator override on: unsigned decisions sent straight to Temporal count in new promotions")
	}
	led, err := bootstrap.OpenLedger(ctx, cfg.LedgerDSN, logger)
	if err != nil {
		return err
	}
	defer led.Close()

	opts := client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    log.NewStructuredLogger(logger),
		// The API's client emits the SDK's client metrics and traces its calls.
		MetricsHandler: metrics.TemporalHandler(),
		Interceptors:   cfg.Tracing.ClientInterceptors(),
	}
	tc, err := cfg.TemporalTLS.Dial(ctx, opts, logger)
	if err != nil {
		return err
	}
	defer tc.Close()
	// Calls that wait for no worker give up fast when Temporal is unreachable (503).
	bc := BoundedClient{Client: tc}
	if len(cfg.Polls) > 0 {
		interval := cfg.PollInterval
		if interval <= 0 {
			interval = DefaultPollInterval
		}
		if err := EnsurePollSchedules(ctx, TemporalPollSchedules{Client: tc.ScheduleClient()}, cfg.Polls, interval, logger); err != nil {
			return err
		}
	}

	logs, blobs, err := storage.Open(ctx, cfg.Storage, cfg.DataDir) // as the workers store them
	if err != nil {
		return err
	}
	logger.InfoContext(ctx, "log and blob stores opened", "kind", cfg.Storage.Kind, "bucket", cfg.Storage.Bucket, "prefix", cfg.Storage.Prefix)
	srv := &Server{
		Builds:          &TemporalBuilds{Client: bc, Logger: logger},
		History:         led,
		Promotions:      &TemporalPromotions{Client: bc, Logger: logger},
		PromotionLedger: led,
		Callbacks:       led,
		Completer:       bc,
		Source:          gitsource.New(cfg.GitCacheDir()),
		Logs:            logs,
		Blobs:           blobs,
		Pages:           cfg.Pages,
		PublicURL:       cfg.PublicURL,
		MaxBody:         cfg.MaxBody,
		Logger:          logger,
		Identity:        ids,
		Registry:        projects,
		Audit:           led,
		Freezes:         led,
		HookSecrets:     cfg.HookSecrets,
		HookSigning:     cfg.HookSigning,

		SlackSigningSecret: cfg.SlackSigningSecret,
		SlackUsers:         slackUsers,
		SlackResponseHosts: cfg.SlackResponseHosts,

		TaskHeartbeatTimeout: cfg.TaskHeartbeatTimeout,
		TaskInfraRetries:     cfg.TaskInfraRetries,
		Decisions:            signer,
		OperatorDecisions:    cfg.OperatorDecisions,
		SessionRevocations:   led,
	}
	srv.Health = &health.Checker{Logger: logger, Checks: []health.Check{
		{Name: "temporal", Run: func(ctx context.Context) error {
			_, err := bc.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
		{Name: "ledger", Run: led.Ping},
		health.Blobs(blobs),
		health.Disk(cfg.DataDir, 0),
	}}
	if err := metrics.Registry.Register(srv.Health); err != nil {
		return fmt.Errorf("register dependency metric: %w", err)
	}
	srv.Metrics, srv.MetricsHandler, srv.MetricsToken = httpMetrics, metrics.Handler(), cfg.MetricsToken
	srv.SecretLedger, srv.Audit = led, led
	if cfg.SecretsKey != "" {
		cipher, err := secrets.CipherFromBase64(cfg.SecretsKey)
		if err != nil {
			return fmt.Errorf("DROVER_SECRETS_KEY: %w", err)
		}
		srv.Secrets = &secrets.Secrets{Store: led, Cipher: cipher}
	} else {
		logger.InfoContext(ctx, "secrets off: no DROVER_SECRETS_KEY")
	}
	srv.Tracer = cfg.Tracing.TracerProvider()
	if err := metrics.Registry.Register(&ApprovalsWaiting{Ledger: led, Logger: logger}); err != nil {
		return fmt.Errorf("register approvals metric: %w", err)
	}
	logger.InfoContext(ctx, "forge webhooks configured", "projects", len(cfg.HookSecrets))
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	return serve(ctx, ln, cfg, srv)
}

// serve runs the HTTP server of srv on ln until ctx is cancelled.
func serve(ctx context.Context, ln net.Listener, cfg Config, srv *Server) error {
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	// Followed logs would hold a graceful shutdown until its timeout.
	hs.RegisterOnShutdown(srv.CloseStreams)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	cfg.Logger.InfoContext(ctx, "api listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)

	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	cfg.Logger.Info("api shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	srv.waitSlackAnswers(shutdownCtx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}
