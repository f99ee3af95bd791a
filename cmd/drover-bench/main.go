// Command drover-bench measures Drover against a raw Temporal workflow of the
// same shape on one dev server: builds of 3 stages × 5 tasks running `true`
// (checkout: false) started through the API, and a workflow of 3 stages × 5
// no-op activities; p50/p99 latency and throughput at concurrency 1 and 20.
// It then measures promotions: from an accepted approval to the deploy
// starting, and with 1,000 promotions awaiting approval the worker's memory
// and GET /api/v1/approvals; and last the worker's memory with 200 builds in
// flight.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "drover-bench:", err)
		os.Exit(1)
	}
}

// options of a benchmark run.
type options struct {
	serial, parallel, concurrency, inflight int
	approvals, waiting                      int
	hooks                                   int
	builds, explain                         bool
	cpuProfile                              string
}

func run() error {
	var o options
	flag.IntVar(&o.serial, "serial", 40, "builds measured at concurrency 1")
	flag.IntVar(&o.parallel, "parallel", 300, "builds measured at the higher concurrency")
	flag.IntVar(&o.concurrency, "concurrency", 20, "the higher concurrency")
	flag.IntVar(&o.inflight, "inflight", 200, "builds in flight for the memory measurement (0 skips it)")
	flag.IntVar(&o.approvals, "approvals", 200, "promotions approved for the approval → deploy latency (0 skips it)")
	flag.IntVar(&o.waiting, "waiting", 1000, "promotions awaiting approval for the worker memory and approvals list (0 skips it)")
	flag.IntVar(&o.hooks, "hooks", 1000, "signed GitHub pushes for the webhook latency, then 1,000 redeliveries of one (0 skips it)")
	flag.BoolVar(&o.builds, "builds", true, "measure builds against raw Temporal (false skips it)")
	flag.BoolVar(&o.explain, "explain", false, "print the event timeline of one build and stop")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the worker and API (in this process) to this file")
	flag.Parse()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env, err := startEnv(ctx)
	if err != nil {
		return err
	}
	defer env.close()
	if o.builds || o.explain {
		if err := env.latencyAndThroughput(ctx, o); err != nil {
			return err
		}
	}
	if o.explain {
		return nil
	}
	if o.hooks > 0 {
		if err := env.webhooks(ctx, o.hooks); err != nil {
			return err
		}
	}
	if o.approvals > 0 {
		if err := env.approvalLatency(ctx, o.approvals); err != nil {
			return err
		}
	}
	// The worker binary runs alone from here on.
	if o.waiting > 0 {
		if err := env.approvalsWhileWaiting(ctx, o.waiting); err != nil {
			return err
		}
	}
	if o.inflight > 0 {
		return env.memoryInFlight(ctx, o.inflight)
	}
	return nil
}
