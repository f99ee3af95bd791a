package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/drover-ci/drover/internal/devserver"
)

// memoryInFlight runs the worker binary alone, starts n builds whose one task
// sleeps, and reports the worker's resident memory once all of them run.
func (e *benchEnv) memoryInFlight(ctx context.Context, n int, rep *report) error {
	e.stopWorkers()
	bin, err := e.buildWorkerBinary(ctx)
	if err != nil {
		return err
	}
	repo, commits, err := e.makeRepo("sleepers", `project: sleepers
build:
  stages:
    - name: wait
      tasks: [{name: sleep, run: sleep 30, checkout: false}]
`, n)
	if err != nil {
		return err
	}
	w := exec.CommandContext(ctx, bin)
	w.Env = append(os.Environ(), "DROVER_TEMPORAL_ADDRESS="+e.server.FrontendHostPort(), "DROVER_DATA_DIR="+e.dir,
		"DROVER_LEDGER_DSN="+filepath.Join(e.dir, "ledger.db"), fmt.Sprintf("DROVER_WORKER_MAX_TASKS=%d", n))
	if err := w.Start(); err != nil {
		return err
	}
	defer func() {
		for _, pid := range children(w.Process.Pid) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		_ = w.Process.Kill()
		_ = w.Wait()
	}()
	fmt.Printf("\nstarting %d builds whose task sleeps...\n", n)
	for i := range n {
		go func() { _ = e.droverBuild(ctx, repo, commits[i]) }()
	}
	deadline := time.Now().Add(2 * time.Minute)
	running := 0
	for time.Now().Before(deadline) && running < n {
		time.Sleep(500 * time.Millisecond)
		running = len(children(w.Process.Pid))
	}
	rss, hwm := memory(w.Process.Pid)
	fmt.Printf("worker with %d of %d builds in flight (tasks running): RSS %.1f MiB, peak %.1f MiB (target < 400 MiB)\n",
		running, n, float64(rss)/1024, float64(hwm)/1024)
	rep.InFlight = &inFlightReport{Builds: n, Running: running, RSSMiB: float64(rss) / 1024, PeakMiB: float64(hwm) / 1024}
	return nil
}

// children lists the pids whose parent is pid.
func children(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, ent := range entries {
		child, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces) start after ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) && fields[0] != "Z" {
			out = append(out, child)
		}
	}
	return out
}

// memory returns VmRSS and VmHWM of pid in KiB.
func memory(pid int) (rss, hwm int) {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm
}

// buildWorkerBinary builds cmd/drover-worker into the bench's directory, for
// the measures that run the worker alone in its own process.
func (e *benchEnv) buildWorkerBinary(ctx context.Context) (string, error) {
	bin := filepath.Join(e.dir, "drover-worker")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/drover-worker")
	build.Dir, build.Stderr = devserver.RepoRoot(), os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build worker: %w", err)
	}
	return bin, nil
}
