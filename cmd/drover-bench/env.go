package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	tworker "go.temporal.io/sdk/worker"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/bootstrap"
	"github.com/drover-ci/drover/decision"
	temporalconfig "github.com/drover-ci/drover/deploy/temporal"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/internal/devserver"
	"github.com/drover-ci/drover/internal/gitfixture"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/worker"
)

// benchEnv is one dev server with Drover's worker and API and a raw worker.
type benchEnv struct {
	dir     string
	server  *testsuite.DevServer
	client  client.Client
	ledger  *ledger.Ledger
	apiURL  string
	stopAPI func()
	// decisionKeys are the API's decision keys, for promotions started without it.
	decisionKeys []decision.PublicKey
	workers      []tworker.Worker
	// floors: this environment also runs the floors' worker.
	floors bool
	// serverPid is the dev server's process (0 when not found).
	serverPid int
	// pragmas of the file-backed dev server.
	pragmas []string
	// metricsPort serves the dev server's Prometheus metrics.
	metricsPort int
	closed      bool
}

// envOptions choose an environment's dev server.
type envOptions struct {
	// dbFile keeps Temporal's state in this SQLite file (relative to the
	// environment's directory); empty keeps it in memory.
	dbFile string
	// pragmas of the file-backed server; nil takes deploy/temporal/sqlite-pragmas.txt.
	pragmas []string
	// floors runs the floors' worker beside Drover's.
	floors bool
}

func startEnv(ctx context.Context, eo envOptions) (*benchEnv, error) {
	e := &benchEnv{floors: eo.floors}
	var err error
	if e.dir, err = os.MkdirTemp("", "drover-bench-"); err != nil {
		return nil, err
	}
	if e.metricsPort, err = devserver.FreePort(); err != nil {
		return nil, err
	}
	dopts := devserver.Options{SQLitePragmas: eo.pragmas, MetricsPort: e.metricsPort}
	kind := "in-memory"
	if eo.dbFile != "" {
		dopts.DBFile, kind = filepath.Join(e.dir, eo.dbFile), "file-backed"
		if dopts.SQLitePragmas == nil {
			dopts.SQLitePragmas = temporalconfig.SQLitePragmas()
		}
		e.pragmas = dopts.SQLitePragmas
		kind += fmt.Sprintf(" (pragmas %q)", e.pragmas)
	}
	fmt.Printf("starting %s Temporal dev server...\n", kind)
	if e.server, err = devserver.Start(ctx, dopts); err != nil {
		return nil, fmt.Errorf("start dev server: %w", err)
	}
	e.serverPid = devServerPid(e.server.FrontendHostPort())
	quiet := slog.New(slog.DiscardHandler)
	// Dialled as the worker and API dial (no gzip on loopback).
	opts := client.Options{HostPort: e.server.FrontendHostPort(), Logger: log.NewStructuredLogger(quiet)}
	if err := (bootstrap.TemporalConnection{}).Apply(&opts); err != nil {
		return nil, err
	}
	if e.client, err = client.Dial(opts); err != nil {
		return nil, err
	}
	if e.ledger, err = ledger.Open(ctx, filepath.Join(e.dir, "ledger.db")); err != nil {
		return nil, err
	}
	if err := e.startWorkers(); err != nil {
		return nil, err
	}
	srv := &api.Server{
		Builds:          &api.TemporalBuilds{Client: e.client},
		History:         e.ledger,
		Source:          gitsource.New(filepath.Join(e.dir, "git")),
		Logs:            logstore.New(filepath.Join(e.dir, "logs")),
		Promotions:      &api.TemporalPromotions{Client: e.client},
		PromotionLedger: e.ledger,
	}
	e.decisionKeys = srv.DecisionKeys() // promotions started without the API trust its key
	if e.apiURL, e.stopAPI, err = serveLoopback(func(base string) http.Handler {
		srv.PublicURL = base
		return srv.Handler()
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// startWorkers runs Drover's worker in-process, and the raw workflow's worker.
func (e *benchEnv) startWorkers() error {
	cfg, err := worker.ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		return err
	}
	cfg.StopTimeout = 0 // nothing to wait for when a test or the benchmark ends
	cfg.DataDir, cfg.MaxTasks = e.dir, 200
	acts := &activities.Activities{
		DataDir:            e.dir,
		Source:             gitsource.New(filepath.Join(e.dir, "git")),
		Logs:               logstore.New(filepath.Join(e.dir, "logs")),
		Blobs:              blobstore.NewFS(filepath.Join(e.dir, "blobs")),
		StartedSignalDelay: cfg.StartedDelay,
		KillGrace:          cfg.KillGrace,
	}
	e.workers = worker.NewWorkers(e.client, cfg, worker.ActivitySet{Tasks: acts, Ledger: &activities.LedgerActivities{Ledger: e.ledger},
		Promotions: activities.NewPromotionActivities(acts, e.client, e.ledger, e.ledger, "")})
	if e.floors {
		// The floors run with the options of Drover's workers, so that
		// pollers and concurrency are not what differs.
		raw := tworker.New(e.client, rawTaskQueue, worker.WorkerOptions(cfg))
		raw.RegisterWorkflow(RawPipeline)
		raw.RegisterActivity(NoOp)
		raw.RegisterActivity(ProcessTask)
		e.workers = append(e.workers, raw)
	}
	for _, w := range e.workers {
		if err := w.Start(); err != nil {
			return err
		}
	}
	return nil
}

func (e *benchEnv) stopWorkers() {
	for _, w := range e.workers {
		w.Stop()
	}
	e.workers = nil
}

func (e *benchEnv) close() {
	if e.closed {
		return
	}
	e.closed = true
	if e.stopAPI != nil {
		e.stopAPI()
	}
	e.stopWorkers()
	if e.ledger != nil {
		e.ledger.Close()
	}
	if e.client != nil {
		e.client.Close()
	}
	if e.server != nil {
		e.server.Stop()
	}
	os.RemoveAll(e.dir)
}

// makeRepo creates a git repository holding definition and n more commits
// after it, and returns its path and the n commits.
func (e *benchEnv) makeRepo(name, definition string, n int) (string, []string, error) {
	dir := filepath.Join(e.dir, "repos", name)
	commits, err := gitfixture.CommitChain(dir, definition, "bench", n)
	if err != nil {
		return "", nil, fmt.Errorf("make bench repository: %w", err)
	}
	return dir, commits, nil
}
