package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
)

const benchDefinition = `project: bench
build:
  stages:
    - name: one
      tasks: [%[1]s]
    - name: two
      tasks: [%[1]s]
    - name: three
      tasks: [%[1]s]
`

// starter starts one unit of work and waits for its end.
type starter func(ctx context.Context, i int) error

// result of one scenario.
type result struct {
	name        string
	concurrency int
	latencies   []time.Duration
	wall        time.Duration
}

func (r result) p(q float64) time.Duration {
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*q))]
}

func (r result) throughput() float64 { return float64(len(r.latencies)) / r.wall.Seconds() }

// measure runs n units with the given concurrency.
func measure(ctx context.Context, name string, n, concurrency int, start starter) (result, error) {
	res := result{name: name, concurrency: concurrency, latencies: make([]time.Duration, n)}
	t0 := time.Now()
	err := fanOut(n, concurrency, func(i int) error {
		s := time.Now()
		if err := start(ctx, i); err != nil {
			return err
		}
		res.latencies[i] = time.Since(s)
		return nil
	})
	res.wall = time.Since(t0)
	return res, err
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (e *benchEnv) latencyAndThroughput(ctx context.Context, o options) error {
	tasks := strings.TrimSuffix(strings.Repeat("{name: t%d, run: 'true', checkout: false}, ", 5), ", ")
	tasks = fmt.Sprintf(tasks, 1, 2, 3, 4, 5)
	warm := 10
	total := warm + o.serial + o.parallel
	repo, commits, err := e.makeRepo("bench", fmt.Sprintf(benchDefinition, tasks), total)
	if err != nil {
		return err
	}
	drover := func(offset int) starter {
		return func(ctx context.Context, i int) error { return e.droverBuild(ctx, repo, commits[offset+i]) }
	}
	var rawSeq atomic.Int64
	raw := func(ctx context.Context, _ int) error {
		run, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("raw-%d", rawSeq.Add(1)), TaskQueue: rawTaskQueue,
		}, RawPipeline, 3, 5)
		if err != nil {
			return err
		}
		return run.Get(ctx, nil)
	}

	fmt.Println("warming up...")
	if _, err := measure(ctx, "warm-up", warm, 1, drover(0)); err != nil {
		return err
	}
	if _, err := measure(ctx, "warm-up", warm, 1, raw); err != nil {
		return err
	}
	if o.explain {
		t0 := time.Now()
		id, runID, err := e.startBuild(ctx, repo, commits[warm])
		if err != nil {
			return err
		}
		fmt.Printf("the API answered in %s\n", time.Since(t0).Round(100*time.Microsecond))
		if err := e.client.GetWorkflow(ctx, id, runID).Get(ctx, nil); err != nil {
			return err
		}
		return e.explain(ctx, id, runID)
	}
	var results []result
	for _, sc := range []struct {
		name string
		n, c int
		fn   starter
	}{
		{"raw Temporal 3x5", o.serial, 1, raw},
		{"Drover build 3x5", o.serial, 1, drover(warm)},
		{"raw Temporal 3x5", o.parallel, o.concurrency, raw},
		{"Drover build 3x5", o.parallel, o.concurrency, drover(warm + o.serial)},
	} {
		fmt.Printf("running %s x%d at concurrency %d...\n", sc.name, sc.n, sc.c)
		r, err := measure(ctx, sc.name, sc.n, sc.c, sc.fn)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		results = append(results, r)
	}
	fmt.Println()
	fmt.Printf("%-18s %5s %6s %10s %10s %12s\n", "scenario", "conc", "runs", "p50", "p99", "throughput")
	for _, r := range results {
		fmt.Printf("%-18s %5d %6d %10s %10s %9.1f/s\n", r.name, r.concurrency, len(r.latencies),
			r.p(0.5).Round(100*time.Microsecond), r.p(0.99).Round(100*time.Microsecond), r.throughput())
	}
	fmt.Println()
	fmt.Printf("Drover/raw p50 latency at concurrency 1: %.2fx (target <= 1.5x)\n",
		float64(results[1].p(0.5))/float64(results[0].p(0.5)))
	fmt.Printf("Drover/raw throughput at concurrency %d: %.2fx (target >= 0.7x)\n", o.concurrency,
		results[3].throughput()/results[2].throughput())
	return nil
}

// droverBuild starts a build through the API and waits for its workflow to end.
func (e *benchEnv) droverBuild(ctx context.Context, repo, commit string) error {
	id, runID, err := e.startBuild(ctx, repo, commit)
	if err != nil {
		return err
	}
	return e.client.GetWorkflow(ctx, id, runID).Get(ctx, nil)
}

// startBuild starts a build through the API.
func (e *benchEnv) startBuild(ctx context.Context, repo, commit string) (string, string, error) {
	body, _ := json.Marshal(map[string]string{"repository": repo, "commit": commit, "branch": "main"})
	resp, err := http.Post(e.apiURL+"/api/v1/builds", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var created struct {
		ID    string `json:"id"`
		RunID string `json:"run_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil {
		return "", "", fmt.Errorf("start build: HTTP %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", "", fmt.Errorf("start build: HTTP %d", resp.StatusCode)
	}
	return created.ID, created.RunID, nil
}

// fanOut calls do(0) … do(n-1) from senders goroutines; a sender stops at
// its first error, and the first error is returned.
func fanOut(n, senders int, do func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range senders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := do(i); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
