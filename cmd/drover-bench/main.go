// Command drover-bench measures Drover against floors of the same shape on
// one dev server: builds of 3 stages × 5 tasks running `true` (checkout:
// false) started through the API, against a raw workflow of 3 stages × 5
// no-op activities (the no-op floor) and of 3 × 5 activities that each run
// `bash -c true` in its own process group (the process floor), alternated in
// rounds, at concurrency 1 and 20; and the same build on the file-backed dev
// server `make dev` runs. Then webhooks against Temporal's own StartWorkflow,
// promotions from an accepted approval to the deploy starting, the worker's
// memory and GET /api/v1/approvals with 10,000 promotions awaiting approval,
// and the worker's memory with 200 builds in flight.
//
// -json FILE writes every figure; -table FILE prints the README's table of
// such a file.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/drover-ci/drover/workflows"
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
	rounds                                  int
	settle                                  time.Duration
	batches                                 int
	approvals, waiting                      int
	hooks                                   int
	builds, explain, devDB                  bool
	cpuProfile, jsonFile, tableFile, readme string
	pragmas                                 pragmaFlag
}

// pragmaFlag collects -sqlite-pragma values.
type pragmaFlag []string

func (p *pragmaFlag) String() string { return strings.Join(*p, ",") }

func (p *pragmaFlag) Set(v string) error {
	if v == "none" {
		*p = []string{}
		return nil
	}
	if !strings.Contains(v, "=") {
		return fmt.Errorf("%q is not name=value", v)
	}
	*p = append(*p, v)
	return nil
}

func run() error {
	var o options
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of the build scenarios, alternated; figures are medians of rounds (the webhook scenarios run at least five)")
	flag.IntVar(&o.serial, "serial", 20, "builds per scenario and round at concurrency 1")
	flag.IntVar(&o.parallel, "parallel", 200, "builds per scenario and round at the higher concurrency")
	flag.IntVar(&o.concurrency, "concurrency", 20, "the higher concurrency")
	flag.DurationVar(&o.settle, "settle", workflows.DefaultLostHeartbeatTimeout+time.Second,
		"pause before each round's builds at each concurrency, and before the approvals after the webhooks, so that the timers of the builds before (task heartbeat and workflow task timeouts, 10 s) have fired: their work is not charged to them")
	flag.IntVar(&o.batches, "batches", 4, "batches each scenario's builds of a round run in, the scenarios' batches in turn (fewer where a batch would hold under 5 builds per sender)")
	flag.Func("scenario-profile", "SCENARIO=FILE: write a CPU profile of this process during that scenario's last batch at the higher concurrency, or the webhooks' last round (scenarios: "+
		strings.Join(append([]string{scNoOp, scProcess, scDrover, scDevDB}, hookScenarioNames[:]...), ", ")+")", func(v string) error {
		key, file, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("%q is not SCENARIO=FILE", v)
		}
		scenarioProfile.key, scenarioProfile.file = key, file
		return nil
	})
	flag.BoolVar(&o.devDB, "dev-db", true, "also run Drover on a file-backed dev server (as make dev runs it) in the rounds")
	flag.Var(&o.pragmas, "sqlite-pragma", "SQLite pragma name=value of the file-backed dev server, repeatable; "+
		"default deploy/temporal/sqlite-pragmas.txt, \"none\" for SQLite's defaults")
	flag.IntVar(&o.inflight, "inflight", 200, "builds in flight for the memory measurement (0 skips it)")
	flag.IntVar(&o.approvals, "approvals", 200, "promotions approved for the approval → deploy latency (0 skips it)")
	flag.IntVar(&o.waiting, "waiting", 10000, "promotions awaiting approval for the worker memory and approvals list (0 skips it)")
	flag.IntVar(&o.hooks, "hooks", 1000, "signed GitHub pushes for the webhook latency, then 1,000 redeliveries of one (0 skips it)")
	flag.BoolVar(&o.builds, "builds", true, "measure builds against the floors (false skips it)")
	flag.BoolVar(&o.explain, "explain", false, "print the event timeline of one build, then the median phases of -serial builds of the process floor and of Drover at concurrency 1, and stop")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the worker and API (in this process) to this file")
	flag.StringVar(&o.jsonFile, "json", "", "write every figure, with the machine, load average and commit, to this JSON file")
	flag.StringVar(&o.tableFile, "table", "", "print the README's benchmark table (Markdown) of this -json file and stop; "+
		"FILE,FILE,… takes each measure from the first file that has it")
	flag.StringVar(&o.readme, "readme", "", "with -table: write the table into this README between its drover-bench table markers instead")
	flag.Parse()
	if o.tableFile != "" {
		var table strings.Builder
		if err := writeTable(&table, strings.Split(o.tableFile, ",")); err != nil {
			return err
		}
		if o.readme != "" {
			return spliceTable(o.readme, table.String())
		}
		fmt.Print(table.String())
		return nil
	}
	if o.rounds < 1 || o.serial < 1 || o.parallel < 1 || o.concurrency < 1 || o.batches < 1 {
		return fmt.Errorf("-rounds, -serial, -parallel, -concurrency and -batches must be at least 1")
	}
	rep := newReport()
	flag.VisitAll(func(f *flag.Flag) { rep.Flags[f.Name] = f.Value.String() })
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

	err := measureAll(ctx, o, rep)
	rep.finish()
	if o.jsonFile != "" && !o.explain {
		// Written even after an error: the figures measured so far.
		if werr := rep.write(o.jsonFile); werr != nil {
			return cmpErr(err, werr)
		}
		fmt.Printf("\nfigures written to %s (load average %s at the start, %s at the end)\n",
			o.jsonFile, rep.Machine.LoadStart, rep.Machine.LoadEnd)
	}
	return err
}

// measureAll runs the measures o asks for, recording them in rep.
func measureAll(ctx context.Context, o options, rep *report) error {
	env, err := startEnv(ctx, envOptions{floors: true})
	if err != nil {
		return err
	}
	defer env.close()
	if o.builds || o.explain {
		var dev *benchEnv
		if o.devDB && !o.explain {
			eo := envOptions{dbFile: "temporal.db", pragmas: o.pragmas}
			if dev, err = startEnv(ctx, eo); err != nil {
				return err
			}
			rep.Machine.DevDBPragmas = dev.pragmas
			defer dev.close()
		}
		err := env.latencyAndThroughput(ctx, o, dev, rep)
		if dev != nil {
			dev.close()
		}
		if err != nil {
			return err
		}
	}
	if o.explain {
		return nil
	}
	if o.hooks > 0 {
		if err := env.webhooks(ctx, o.hooks, o.rounds, rep); err != nil {
			return err
		}
	}
	if o.approvals > 0 {
		if o.hooks > 0 {
			// The webhook builds' timers (each task's heartbeat timeout)
			// fire settle after them: not during the approvals.
			time.Sleep(o.settle)
		}
		if err := env.approvalLatency(ctx, o.approvals, rep); err != nil {
			return err
		}
	}
	// The worker binary runs alone from here on.
	if o.waiting > 0 {
		if err := env.approvalsWhileWaiting(ctx, o.waiting, rep); err != nil {
			return err
		}
	}
	if o.inflight > 0 {
		return env.memoryInFlight(ctx, o.inflight, rep)
	}
	return nil
}
