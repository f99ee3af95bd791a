package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/drover-ci/drover/api"
)

// approvalsRequests is how many times GET /api/v1/approvals is timed.
const approvalsRequests = 20

// approvalsWhileWaiting runs the worker binary alone, starts n promotions
// that wait for bench's approval, and once all of them wait prints the
// worker's resident memory and how fast GET /api/v1/approvals answers bench.
func (e *benchEnv) approvalsWhileWaiting(ctx context.Context, n int) error {
	e.stopWorkers()
	bin, err := e.buildWorkerBinary(ctx)
	if err != nil {
		return err
	}
	w := exec.CommandContext(ctx, bin)
	w.Env = append(os.Environ(), "DROVER_TEMPORAL_ADDRESS="+e.server.FrontendHostPort(), "DROVER_DATA_DIR="+e.dir,
		"DROVER_LEDGER_DSN="+filepath.Join(e.dir, "ledger.db"))
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer func() {
		_ = w.Process.Kill()
		_ = w.Wait()
	}()

	fmt.Printf("\nstarting %d promotions that wait for approval (worker binary)...\n", n)
	t0 := time.Now()
	version := "wait-1"
	ids, projects, err := e.startPromotions(ctx, "wait", version, n)
	defer e.terminate(context.WithoutCancel(ctx), environmentIDs(projects))
	defer e.terminate(context.WithoutCancel(ctx), ids)
	if err != nil {
		return err
	}
	if err := e.waitAwaiting(ctx, version, n, 5*time.Minute); err != nil {
		return err
	}
	fmt.Printf("%d promotions await approval after %s\n", n, time.Since(t0).Round(time.Millisecond))
	rss, hwm := memory(w.Process.Pid)
	fmt.Printf("worker with %d promotions awaiting approval: RSS %.1f MiB, peak %.1f MiB (target < 300 MiB)\n",
		n, float64(rss)/1024, float64(hwm)/1024)

	// Let the server finish writing visibility before timing reads of it.
	time.Sleep(5 * time.Second)
	server := devServerPid()
	res := result{name: "GET /api/v1/approvals", latencies: make([]time.Duration, approvalsRequests)}
	count := 0
	serverCPU0, selfCPU0 := cpuTime(server), cpuTime(os.Getpid())
	for i := range approvalsRequests {
		s := time.Now()
		if count, err = e.listApprovals(ctx); err != nil {
			return err
		}
		res.latencies[i] = time.Since(s)
	}
	serverCPU, selfCPU := cpuTime(server)-serverCPU0, cpuTime(os.Getpid())-selfCPU0
	fmt.Printf("GET /api/v1/approvals as %s x%d: %d approvals, p50 %s, p99 %s (target < 200ms)\n", benchApprover,
		approvalsRequests, count, res.p(0.5).Round(100*time.Microsecond), res.p(0.99).Round(100*time.Microsecond))
	fmt.Printf("CPU per request: Temporal server %s, API and client %s\n",
		(serverCPU / approvalsRequests).Round(100*time.Microsecond), (selfCPU / approvalsRequests).Round(100*time.Microsecond))
	return nil
}

// devServerPid is the pid of the Temporal dev server this process started, or 0.
func devServerPid() int {
	for _, pid := range children(os.Getpid()) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) == "temporal" {
			return pid
		}
	}
	return 0
}

// cpuTime is the user and system CPU time pid used so far (0 when unknown).
func cpuTime(pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil || pid == 0 {
		return 0
	}
	// utime and stime are the 12th and 13th fields after the command name, in
	// clock ticks (USER_HZ, 100 on Linux).
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// listApprovals asks the API what waits for bench and returns how many approvals it listed.
func (e *benchEnv) listApprovals(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.apiURL+"/api/v1/approvals", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set(api.UserHeader, benchApprover)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("list approvals: %w", err)
	}
	defer resp.Body.Close()
	var body api.ApprovalsResponse
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("list approvals: HTTP %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("list approvals: HTTP %d", resp.StatusCode)
	}
	return len(body.Approvals), nil
}
