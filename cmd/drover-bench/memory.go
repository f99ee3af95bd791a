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
	w, err := e.startWorkerBinary(ctx, bin, fmt.Sprintf("DROVER_WORKER_MAX_TASKS=%d", n))
	if err != nil {
		return err
	}
	defer w.stop()
	fmt.Printf("\nstarting %d builds whose task sleeps...\n", n)
	for i := range n {
		go func() { _ = e.droverBuild(ctx, repo, commits[i]) }()
	}
	deadline := time.Now().Add(2 * time.Minute)
	running := 0
	for time.Now().Before(deadline) && running < n {
		time.Sleep(500 * time.Millisecond)
		if err := w.alive(); err != nil {
			return err
		}
		running = len(children(w.cmd.Process.Pid))
	}
	rss, hwm := memory(w.cmd.Process.Pid)
	fmt.Printf("worker with %d of %d builds in flight (tasks running): RSS %.1f MiB, peak %.1f MiB (target < 400 MiB)\n",
		running, n, float64(rss)/1024, float64(hwm)/1024)
	rep.InFlight = &inFlightReport{Builds: n, Running: running, RSSMiB: float64(rss) / 1024, PeakMiB: float64(hwm) / 1024}
	return nil
}

// workerProcess is the worker binary running alone, its output in a file.
type workerProcess struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startWorkerBinary runs bin as the worker of this environment, with env added.
func (e *benchEnv) startWorkerBinary(ctx context.Context, bin string, env ...string) (*workerProcess, error) {
	w := &workerProcess{cmd: exec.CommandContext(ctx, bin), log: filepath.Join(e.dir, "worker.log"), done: make(chan struct{})}
	out, err := os.Create(w.log)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	w.cmd.Stdout, w.cmd.Stderr = out, out
	w.cmd.Env = append(append(os.Environ(), "DROVER_TEMPORAL_ADDRESS="+e.server.FrontendHostPort(), "DROVER_DATA_DIR="+e.dir,
		"DROVER_LEDGER_DSN="+filepath.Join(e.dir, "ledger.db")), env...)
	if os.Getenv("DROVER_SANDBOX") == "" {
		// As the in-process worker: tasks run unsandboxed (no bwrap needed).
		w.cmd.Env = append(w.cmd.Env, "DROVER_SANDBOX=off")
	}
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	go func() {
		_ = w.cmd.Wait()
		close(w.done)
	}()
	return w, nil
}

// alive is nil while the worker runs, and its exit with the end of its log after.
func (w *workerProcess) alive() error {
	select {
	case <-w.done:
		data, _ := os.ReadFile(w.log)
		tail := string(data[max(0, len(data)-2000):])
		return fmt.Errorf("the worker exited (%s); its log ends:\n%s", w.cmd.ProcessState, tail)
	default:
		return nil
	}
}

// stop kills the worker and the process groups of its tasks.
func (w *workerProcess) stop() {
	for _, pid := range children(w.cmd.Process.Pid) {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	_ = w.cmd.Process.Kill()
	<-w.done
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
		fields := statFields(child)
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
