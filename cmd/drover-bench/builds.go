package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
)

// Scenario keys, as the JSON output names them.
const (
	scNoOp    = "noop_floor"
	scProcess = "process_floor"
	scDrover  = "drover"
	scDevDB   = "drover_file_db"
)

// scenarioNames are the scenarios as printed.
var scenarioNames = map[string]string{
	scNoOp:    "no-op floor 3x5",
	scProcess: "process floor 3x5",
	scDrover:  "Drover 3x5",
	scDevDB:   "Drover 3x5, file DB",
}

// scenario is one way of running the 3×5 build.
type scenario struct {
	key   string
	env   *benchEnv
	start starter
}

// latencyAndThroughput runs the floors and Drover (and Drover on the
// file-backed dev server when dev is set) alternately in o.rounds rounds, at
// concurrency 1 and o.concurrency, and prints each round and the medians.
func (e *benchEnv) latencyAndThroughput(ctx context.Context, o options, dev *benchEnv, rep *report) error {
	tasks := strings.TrimSuffix(strings.Repeat("{name: t%d, run: 'true', checkout: false}, ", 5), ", ")
	tasks = fmt.Sprintf(tasks, 1, 2, 3, 4, 5)
	const warm = 5
	total := warm + o.rounds*(o.serial+o.parallel)
	repo, commits, err := e.makeRepo("bench", fmt.Sprintf(benchDefinition, tasks), total)
	if err != nil {
		return err
	}
	// Each environment builds the commits in order: a build's ID is its commit.
	drover := func(env *benchEnv) starter {
		var next atomic.Int64
		return func(ctx context.Context, _ int) error {
			return env.droverBuild(ctx, repo, commits[next.Add(1)-1])
		}
	}
	var rawSeq atomic.Int64
	floor := func(process bool) starter {
		return func(ctx context.Context, _ int) error {
			run, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: fmt.Sprintf("raw-%d", rawSeq.Add(1)), TaskQueue: rawTaskQueue,
			}, RawPipeline, 3, 5, process)
			if err != nil {
				return err
			}
			return run.Get(ctx, nil)
		}
	}
	scenarios := []scenario{{scNoOp, e, floor(false)}, {scProcess, e, floor(true)}, {scDrover, e, drover(e)}}
	if dev != nil {
		scenarios = append(scenarios, scenario{scDevDB, dev, drover(dev)})
	}

	fmt.Println("warming up...")
	for _, sc := range scenarios {
		if _, err := measure(ctx, "warm-up", warm, 1, sc.start); err != nil {
			return fmt.Errorf("warm-up %s: %w", sc.key, err)
		}
	}
	if o.explain {
		if err := e.explainOne(ctx, repo, commits[total-1]); err != nil {
			return err
		}
		return e.explainPhases(ctx, o.serial, repo, commits[warm:total-1])
	}
	br := &buildsReport{Rounds: o.rounds, Serial: o.serial, Parallel: o.parallel, Concurrency: o.concurrency,
		Batches: o.batches, SettleS: o.settle.Seconds()}
	rep.Builds = br
	fmt.Printf("\n%-5s %-22s %5s %5s %9s %9s %10s  %s\n", "round", "scenario", "conc", "runs", "p50", "p99",
		"throughput", "CPU per build: bench process, its task processes, Temporal")
	for round := range o.rounds {
		for _, conc := range []struct{ n, c int }{{o.serial, 1}, {o.parallel, o.concurrency}} {
			// Timers of the runs before (each task's heartbeat timeout, each
			// workflow task's timeout) fire settle after them: the runs are
			// measured once they have, not charged with their work.
			time.Sleep(o.settle)
			sums := make([]batch, len(scenarios))
			// Each scenario's builds run in batches, the scenarios' batches
			// in turn, in an order rotated every round and batch: a slower
			// spell of the machine falls on every scenario alike. A batch
			// holds at least 5 builds per sender, so that its throughput is
			// not mostly its start and its tail.
			batches := max(1, min(o.batches, conc.n/(5*conc.c)))
			for b := range batches {
				for k := range scenarios {
					i := (k + round + b) % len(scenarios)
					n := conc.n*(b+1)/batches - conc.n*b/batches
					part, err := runBatch(ctx, scenarios[i], n, conc.c)
					if err != nil {
						return fmt.Errorf("%s round %d at concurrency %d: %w", scenarios[i].key, round+1, conc.c, err)
					}
					sums[i].add(part)
				}
			}
			for k := range scenarios {
				sc := scenarios[(k+round)%len(scenarios)]
				run := sums[(k+round)%len(scenarios)].run(sc.key, round+1, conc.c)
				br.Runs = append(br.Runs, run)
				fmt.Printf("%-5d %-22s %5d %5d %9s %9s %8.1f/s  %6.1f ms %6.1f ms %6.1f ms\n", run.Round,
					scenarioNames[run.Scenario], run.Concurrency, run.Runs, fmtMs(run.P50Ms), fmtMs(run.P99Ms),
					run.Throughput, run.CPU.Bench, run.CPU.Tasks, run.CPU.Temporal)
			}
		}
	}
	br.summarize(o.concurrency)
	br.print()
	if a, ok := br.run(o.rounds, scDrover, o.concurrency); ok {
		if b, ok := br.run(o.rounds, scProcess, o.concurrency); ok {
			printServerWork("build", scenarioNames[scDrover], scenarioNames[scProcess], a.Server, b.Server)
		}
	}
	return nil
}

// batch is what one batch of a scenario's builds measured.
type batch struct {
	result
	bench, tasks, temporal time.Duration // CPU used by each process
	work                   serverCounters
}

// metricsFlush is longer than the dev server's metrics reporter waits
// between updates of /metrics.
const metricsFlush = 1200 * time.Millisecond

// runBatch measures n builds of sc at concurrency c, with the CPU each
// process used.
func runBatch(ctx context.Context, sc scenario, n, c int) (batch, error) {
	self0, server0 := cpuOf(ownPid), cpuOf(sc.env.serverPid)
	work0 := scrapeServer(sc.env.metricsPort)
	stopProfile := profileScenario(sc.key, c)
	r, err := measure(ctx, sc.key, n, c, sc.start)
	stopProfile()
	if err != nil {
		return batch{}, err
	}
	self, server := cpuOf(ownPid), cpuOf(sc.env.serverPid)
	var work serverCounters
	if work0 != nil {
		// The server's counters reach /metrics on its reporter's next flush.
		time.Sleep(metricsFlush)
		work = scrapeServer(sc.env.metricsPort).perBuild(work0, 1)
	}
	return batch{
		result: r, bench: self.self - self0.self, tasks: self.children - self0.children,
		temporal: server.self - server0.self, work: work,
	}, nil
}

// add counts batch b in a, the sum of a scenario's batches of a round.
func (a *batch) add(b batch) {
	a.latencies = append(a.latencies, b.latencies...)
	a.wall += b.wall
	a.bench += b.bench
	a.tasks += b.tasks
	a.temporal += b.temporal
	for k, v := range b.work {
		if a.work == nil {
			a.work = serverCounters{}
		}
		a.work[k] += v
	}
}

// run is the figures of a, the sum of a scenario's batches of a round: the
// latencies of all of them, the throughput of their builds over their
// summed time, the CPU and the server's work per build.
func (a batch) run(key string, round, c int) scenarioRun {
	n := len(a.latencies)
	per := func(d time.Duration) float64 { return ms(d) / float64(n) }
	work := serverCounters{}
	for k, v := range a.work {
		work[k] = v / float64(n)
	}
	return scenarioRun{
		Round: round, Scenario: key, Concurrency: c, Runs: n,
		P50Ms: ms(a.p(0.5)), P99Ms: ms(a.p(0.99)), Throughput: a.throughput(),
		CPU:    cpuPerBuild{Bench: per(a.bench), Tasks: per(a.tasks), Temporal: per(a.temporal)},
		Server: work,
	}
}

// scenarioProfile, when set (-scenario-profile), profiles this process's
// CPU in the runs of one scenario at the higher concurrency.
var scenarioProfile struct{ key, file string }

// profileScenario starts the CPU profile of scenario key's run at
// concurrency c when -scenario-profile asks for it, and returns what stops it.
func profileScenario(key string, c int) (stop func()) {
	if scenarioProfile.key != key || c == 1 {
		return func() {}
	}
	f, err := os.Create(scenarioProfile.file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scenario profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "scenario profile:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// explainOne starts one build, says how fast the API answered and prints its timeline.
func (e *benchEnv) explainOne(ctx context.Context, repo, commit string) error {
	t0 := time.Now()
	id, runID, err := e.startBuild(ctx, repo, commit)
	if err != nil {
		return err
	}
	fmt.Printf("the API answered in %s\n", time.Since(t0).Round(100*time.Microsecond))
	if err := e.client.GetWorkflow(ctx, id, runID).Get(ctx, nil); err != nil {
		return err
	}
	return e.explain(ctx, id, runID)
}

// summarize computes the medians over rounds of each scenario's figures and
// of the per-round ratios.
func (br *buildsReport) summarize(conc int) {
	type key struct {
		sc string
		c  int
	}
	byKey := map[key][]scenarioRun{}
	var order []key
	for _, r := range br.Runs {
		k := key{r.Scenario, r.Concurrency}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	slices.SortStableFunc(order, func(a, b key) int { return a.c - b.c })
	for _, k := range order {
		runs := byKey[k]
		med := func(f func(scenarioRun) float64) float64 {
			v := make([]float64, len(runs))
			for i, r := range runs {
				v[i] = f(r)
			}
			return median(v)
		}
		br.Summary = append(br.Summary, scenarioRun{
			Scenario: k.sc, Concurrency: k.c, Runs: len(runs) * runs[0].Runs,
			P50Ms:      med(func(r scenarioRun) float64 { return r.P50Ms }),
			P99Ms:      med(func(r scenarioRun) float64 { return r.P99Ms }),
			Throughput: med(func(r scenarioRun) float64 { return r.Throughput }),
			CPU: cpuPerBuild{
				Bench:    med(func(r scenarioRun) float64 { return r.CPU.Bench }),
				Tasks:    med(func(r scenarioRun) float64 { return r.CPU.Tasks }),
				Temporal: med(func(r scenarioRun) float64 { return r.CPU.Temporal }),
			},
		})
	}
	// A ratio per round, then their median.
	ratio := func(name, target, num, den string, c int, latency bool) {
		var v []float64
		for round := 1; round <= br.Rounds; round++ {
			a, okA := br.run(round, num, c)
			b, okB := br.run(round, den, c)
			if !okA || !okB {
				continue
			}
			if latency {
				v = append(v, a.P50Ms/b.P50Ms)
			} else {
				v = append(v, a.Throughput/b.Throughput)
			}
		}
		if len(v) > 0 {
			br.Ratios = append(br.Ratios, ratioReport{Name: name, Target: target, Median: median(v), Rounds: v})
		}
	}
	cs := fmt.Sprintf("c=%d", conc)
	ratio("Drover / process floor, p50 at c=1", "<= 1.10", scDrover, scProcess, 1, true)
	ratio("Drover / process floor, throughput at "+cs, ">= 0.95", scDrover, scProcess, conc, false)
	ratio("Drover / no-op floor, p50 at c=1", "", scDrover, scNoOp, 1, true)
	ratio("Drover / no-op floor, throughput at "+cs, "", scDrover, scNoOp, conc, false)
	ratio("process floor / no-op floor, p50 at c=1", "", scProcess, scNoOp, 1, true)
	ratio("process floor / no-op floor, throughput at "+cs, "", scProcess, scNoOp, conc, false)
	ratio("Drover file DB / in-memory, p50 at c=1", "<= 1.3", scDevDB, scDrover, 1, true)
	ratio("Drover file DB / in-memory, throughput at "+cs, "", scDevDB, scDrover, conc, false)
}

// run is the run of scenario sc at concurrency c in round.
func (br *buildsReport) run(round int, sc string, c int) (scenarioRun, bool) {
	for _, r := range br.Runs {
		if r.Round == round && r.Scenario == sc && r.Concurrency == c {
			return r, true
		}
	}
	return scenarioRun{}, false
}

func (br *buildsReport) print() {
	fmt.Printf("\nmedians of %d rounds:\n", br.Rounds)
	fmt.Printf("%-22s %5s %6s %9s %9s %10s  %s\n", "scenario", "conc", "runs", "p50", "p99", "throughput",
		"CPU per build: bench process, its task processes, Temporal")
	for _, r := range br.Summary {
		fmt.Printf("%-22s %5d %6d %9s %9s %8.1f/s  %6.1f ms %6.1f ms %6.1f ms\n", scenarioNames[r.Scenario],
			r.Concurrency, r.Runs, fmtMs(r.P50Ms), fmtMs(r.P99Ms), r.Throughput, r.CPU.Bench, r.CPU.Tasks, r.CPU.Temporal)
	}
	fmt.Println("(the bench process holds Drover's worker and API, the floors' worker and the clients)")
	fmt.Println()
	for _, r := range br.Ratios {
		target := ""
		if r.Target != "" {
			target = " (target " + r.Target + "x)"
		}
		fmt.Printf("%-48s %5.2fx%s  rounds: %s\n", r.Name+":", r.Median, target, fmtRatios(r.Rounds))
	}
}

// median of v.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func fmtMs(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.1fms", v)
}

func fmtRatios(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, " ")
}
