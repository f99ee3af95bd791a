// Command drover-chaos kills Drover's worker, its API and the Temporal dev
// server again and again while builds and promotions run, then waits for
// everything to finish and prints the runs started, ended, lost, stuck and
// duplicated (issue 13). Each of the three is a real process of its own
// (the worker and API binaries built from this tree, the pinned Temporal
// CLI's dev server on a file-backed database), killed with SIGKILL with its
// whole process group and restarted with the same configuration.
//
//	go run ./cmd/drover-chaos -duration 60s -interval 4s -settle 2m -builds 40
//
// Exit status: 0 when nothing was lost, duplicated or stuck; 1 when a run
// was lost or duplicated; 2 when runs were only stuck; 3 when the chaos
// could not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

type options struct {
	duration, interval, settle time.Duration
	builds, projects           int
	seed                       uint64
	keep                       bool
	rev                        string
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long to kill processes while builds run")
	flag.DurationVar(&o.interval, "interval", 4*time.Second, "time between two kills")
	flag.DurationVar(&o.settle, "settle", 2*time.Minute, "time allowed after the last kill for every run to finish")
	flag.IntVar(&o.builds, "builds", 40, "builds to start during the chaos (one commit each)")
	flag.IntVar(&o.projects, "projects", 4, "projects the builds are spread over (each promotes through its own dev and prod)")
	flag.Uint64Var(&o.seed, "seed", 0, "seed of the choice of victims and pauses; 0 picks one from the clock")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory (logs, ledger, Temporal database) instead of removing it")
	flag.StringVar(&o.rev, "rev", "", "build the worker and the API from this git revision (e.g. HEAD) rather than from the working tree")
	flag.Parse()
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	if o.builds < 1 || o.projects < 1 || o.interval <= 0 {
		fmt.Fprintln(os.Stderr, "drover-chaos: -builds, -projects and -interval must be positive")
		os.Exit(3)
	}
	os.Exit(run(o))
}

func run(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "drover-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "drover-chaos:", err)
		return 3
	}
	defer func() {
		if o.keep {
			fmt.Println("kept", dir)
		} else {
			_ = os.RemoveAll(dir)
		}
	}()
	e, err := setup(ctx, dir, o.rev)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drover-chaos:", err)
		return 3
	}
	defer e.stopAll()
	fmt.Printf("seed %d; working directory %s\n", o.seed, dir)
	fmt.Println("starting Temporal, the worker and the API...")
	if err := e.startAll(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "drover-chaos:", err)
		return 3
	}

	type target struct{ project, repo, commit string }
	var targets []target
	per := (o.builds + o.projects - 1) / o.projects
	for p := range o.projects {
		project := fmt.Sprintf("chaos-%c", 'a'+p)
		repo, commits, err := makeRepo(dir, project, per)
		if err != nil {
			fmt.Fprintln(os.Stderr, "drover-chaos:", err)
			return 3
		}
		for _, c := range commits {
			targets = append(targets, target{project, repo, c})
		}
	}
	// Interleave the projects: build i of project p is targets[p*per+i].
	var order []target
	for i := range per {
		for p := range o.projects {
			if len(order) < o.builds {
				order = append(order, targets[p*per+i])
			}
		}
	}

	l := newLoad(e)
	// Requests keep being retried until the settle time ends.
	loadCtx, endLoad := context.WithTimeout(ctx, o.duration+o.settle)
	defer endLoad()
	var starters sync.WaitGroup
	go l.approveLoop(loadCtx)
	spacing := o.duration / time.Duration(len(order))
	starters.Add(1)
	go func() {
		defer starters.Done()
		for i, t := range order {
			if i > 0 {
				select {
				case <-loadCtx.Done():
					return
				case <-time.After(spacing):
				}
			}
			starters.Add(1)
			go func() {
				defer starters.Done()
				l.startBuild(loadCtx, t.project, t.repo, t.commit)
			}()
		}
	}()

	fmt.Printf("chaos for %s: %d builds over %d projects, a kill every %s...\n", o.duration, len(order), o.projects, o.interval)
	rng := rand.New(rand.NewPCG(o.seed, o.seed^0x9e3779b97f4a7c15))
	s := &supervisor{e: e, crashes: map[string]int{}}
	chaosEnd := time.Now().Add(o.duration)
	for time.Now().Before(chaosEnd) && ctx.Err() == nil {
		next := time.Now().Add(o.interval)
		victim := e.components()[rng.IntN(3)]
		pause := 500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond)))
		fmt.Printf("  %5.1fs kill %s, restart after %s\n", o.duration.Seconds()-time.Until(chaosEnd).Seconds(), victim.name, pause.Round(time.Millisecond))
		victim.kill(true)
		sleep(ctx, pause)
		s.restart(ctx, victim)
		s.reviveAll(ctx)
		sleep(ctx, time.Until(next))
	}
	if ctx.Err() != nil {
		fmt.Println("interrupted")
		return 3
	}
	fmt.Printf("chaos over; settling for up to %s...\n", o.settle)
	// The builds the API has not acknowledged yet keep being asked for.
	chaosOver := time.Now()
	settleEnd := chaosOver.Add(o.settle)
	var settledAt time.Time
	for {
		s.reviveAll(ctx)
		st := check(ctx, e, l)
		if st.settled() && startersDone(&starters) {
			settledAt = time.Now()
			break
		}
		if time.Now().After(settleEnd) || ctx.Err() != nil {
			break
		}
		sleep(ctx, 2*time.Second)
	}
	if ctx.Err() != nil {
		fmt.Println("interrupted")
		return 3
	}
	endLoad()
	starters.Wait()
	st := check(context.WithoutCancel(ctx), e, l) // with the final list of acknowledged builds
	st.chaosEnd, st.settledAt = chaosOver, settledAt
	st.duplicates(ctx, e)
	st.ledger(dir)
	return st.report(o, e, l, s)
}

// supervisor restarts the processes, and those that exited on their own.
type supervisor struct {
	e       *env
	crashes map[string]int
	failed  []string
}

func (s *supervisor) restart(ctx context.Context, c *component) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		err := c.run(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		s.failed = append(s.failed, err.Error())
		fmt.Printf("  restart of %s failed: %v\n", c.name, err)
		c.kill(false)
		sleep(ctx, time.Second)
	}
}

// reviveAll restarts every process that exited without being killed.
func (s *supervisor) reviveAll(ctx context.Context) {
	for _, c := range s.e.components() {
		if ctx.Err() != nil {
			return
		}
		select {
		case <-c.exited():
			s.crashes[c.name]++
			fmt.Printf("  %s exited on its own (see %s); restarting it\n", c.name, c.log)
			s.restart(ctx, c)
		default:
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func startersDone(wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(10 * time.Millisecond):
		return false
	}
}
