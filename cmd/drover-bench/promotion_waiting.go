package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/drover-ci/drover/api"
)

// approvalsRequests is how many times GET /api/v1/approvals is timed.
const approvalsRequests = 20

// approvalsWhileWaiting runs the worker binary alone, starts n promotions
// that wait for bench's approval, and once all of them wait prints the
// worker's resident memory and how fast GET /api/v1/approvals answers bench.
func (e *benchEnv) approvalsWhileWaiting(ctx context.Context, n int, rep *report) error {
	e.stopWorkers()
	bin, err := e.buildWorkerBinary(ctx)
	if err != nil {
		return err
	}
	w, err := e.startWorkerBinary(ctx, bin)
	if err != nil {
		return err
	}
	defer w.stop()

	fmt.Printf("\nstarting %d promotions that wait for approval (worker binary)...\n", n)
	t0 := time.Now()
	version := "wait-1"
	ids, projects, err := e.startPromotions(ctx, "wait", version, n, w.alive)
	defer e.terminate(context.WithoutCancel(ctx), environmentIDs(projects))
	defer e.terminate(context.WithoutCancel(ctx), ids)
	if err != nil {
		return err
	}
	lastSaid := time.Now()
	watch := func(count int64) error {
		if time.Since(lastSaid) > 30*time.Second {
			rss, _ := memory(w.cmd.Process.Pid)
			fmt.Printf("  %s: %d of %d await approval, worker RSS %.1f MiB\n", time.Since(t0).Round(time.Second), count, n, float64(rss)/1024)
			lastSaid = time.Now()
		}
		return w.alive()
	}
	if err := e.waitAwaiting(ctx, version, n, 2*time.Minute+time.Duration(n)*150*time.Millisecond, watch); err != nil {
		return err
	}
	startTook := time.Since(t0)
	fmt.Printf("%d promotions await approval after %s\n", n, startTook.Round(time.Millisecond))
	rss, hwm := memory(w.cmd.Process.Pid)
	fmt.Printf("worker with %d promotions awaiting approval: RSS %.1f MiB, peak %.1f MiB (target < 300 MiB)\n",
		n, float64(rss)/1024, float64(hwm)/1024)

	// Let the server finish writing visibility before timing reads of it.
	time.Sleep(5 * time.Second)
	server := e.serverPid
	res := result{name: "GET /api/v1/approvals", latencies: make([]time.Duration, approvalsRequests)}
	count, total := 0, 0
	serverCPU0, selfCPU0 := cpuOf(server).self, cpuOf(os.Getpid()).self
	for i := range approvalsRequests {
		s := time.Now()
		if count, total, err = e.listApprovals(ctx); err != nil {
			return err
		}
		res.latencies[i] = time.Since(s)
	}
	serverCPU, selfCPU := cpuOf(server).self-serverCPU0, cpuOf(os.Getpid()).self-selfCPU0
	fmt.Printf("GET /api/v1/approvals as %s x%d: first page of %d approvals of %d, p50 %s, p99 %s (target < 200ms)\n", benchApprover,
		approvalsRequests, count, total, res.p(0.5).Round(100*time.Microsecond), res.p(0.99).Round(100*time.Microsecond))
	fmt.Printf("CPU per request: Temporal server %s, API and client %s\n",
		(serverCPU / approvalsRequests).Round(100*time.Microsecond), (selfCPU / approvalsRequests).Round(100*time.Microsecond))
	rep.Waiting = &waitingReport{Promotions: n, RSSMiB: float64(rss) / 1024, PeakMiB: float64(hwm) / 1024, Listed: count, Total: total,
		ListP50Ms: ms(res.p(0.5)), ListP99Ms: ms(res.p(0.99)), ServerCPUMs: ms(serverCPU) / approvalsRequests,
		APICPUMs: ms(selfCPU) / approvalsRequests, StartSeconds: startTook.Seconds(), ListRequests: approvalsRequests,
		WorkerProcess: "drover-worker binary"}
	return nil
}

// listApprovals asks the API what waits for bench as a client does (the
// first page, of the API's default size) and returns how many approvals it
// listed and the total it reported.
func (e *benchEnv) listApprovals(ctx context.Context) (int, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.apiURL+"/api/v1/approvals", nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set(api.UserHeader, benchApprover)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("list approvals: %w", err)
	}
	defer resp.Body.Close()
	var body api.ApprovalsResponse
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, 0, fmt.Errorf("list approvals: HTTP %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("list approvals: HTTP %d", resp.StatusCode)
	}
	return len(body.Approvals), body.Total, nil
}
