package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// benchDefinition is the build measured: 3 stages × 5 tasks running `true`.
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

// p is the q-quantile of the latencies.
func (r result) p(q float64) time.Duration {
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	return s[pIndex(len(s), q)]
}

// pIndex is the index of the q-quantile in n sorted values.
func pIndex(n int, q float64) int { return min(n-1, int(float64(n)*q)) }

func (r result) throughput() float64 { return float64(len(r.latencies)) / r.wall.Seconds() }

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

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
