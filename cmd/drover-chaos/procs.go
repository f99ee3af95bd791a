package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// component is one of the processes the chaos kills: the Temporal dev
// server, the worker or the API. Each runs in its own process group, its
// output appended to logs/<name>.log across restarts.
type component struct {
	name  string
	path  string
	args  []string
	env   []string
	log   string
	ready func(ctx context.Context) error // waits until it serves; nil: at once

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
	kills int
	start int
}

// run starts the process (it must not be running) and waits until it is ready.
func (c *component) run(ctx context.Context) error {
	f, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.start++
	fmt.Fprintf(f, "\n=== drover-chaos: start %d of %s at %s ===\n", c.start, c.name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(c.path, c.args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = c.env, f, f
	// Its own process group, so that a kill takes its children with it; and
	// killed if this program dies without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		c.mu.Unlock()
		f.Close()
		return fmt.Errorf("start %s: %w", c.name, err)
	}
	done := make(chan struct{})
	c.cmd, c.done = cmd, done
	c.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	if c.ready == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := c.ready(rctx); err != nil {
		return fmt.Errorf("%s not ready (see %s): %w", c.name, c.log, err)
	}
	return nil
}

// exited is closed when the current process exits.
func (c *component) exited() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return c.done
}

// kill SIGKILLs the process group of the process and of every process it
// started (task sandboxes make their own groups), as a machine crash would,
// and waits until it exited.
func (c *component) kill(count bool) {
	c.mu.Lock()
	cmd, done := c.cmd, c.done
	if count && cmd != nil {
		c.kills++
	}
	c.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	killTree(cmd.Process.Pid)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		fmt.Fprintf(os.Stderr, "drover-chaos: %s (pid %d) did not exit after SIGKILL\n", c.name, cmd.Process.Pid)
	}
}

// killTree SIGKILLs the process groups of pid and of all its descendants.
func killTree(pid int) {
	groups := map[int]bool{pid: true}
	for _, d := range descendants(pid) {
		if g, err := syscall.Getpgid(d); err == nil {
			groups[g] = true
		}
	}
	// Stop the leader first so it starts no more children, then the groups.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	for g := range groups {
		if g > 1 && g != syscall.Getpgrp() {
			_ = syscall.Kill(-g, syscall.SIGKILL)
		}
	}
	for _, d := range descendants(pid) {
		_ = syscall.Kill(d, syscall.SIGKILL)
	}
}

// descendants lists the live descendants of pid, read from /proc.
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, ent := range entries {
		p, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[0] != "Z" {
			if pp, err := strconv.Atoi(fields[1]); err == nil {
				parent[p] = pp
			}
		}
	}
	var out []int
	frontier := []int{pid}
	for len(frontier) > 0 {
		var next []int
		for p, pp := range parent {
			for _, f := range frontier {
				if pp == f {
					out = append(out, p)
					next = append(next, p)
				}
			}
		}
		frontier = next
	}
	return out
}

// poll calls check every interval until it succeeds or ctx ends.
func poll(ctx context.Context, interval time.Duration, check func(context.Context) error) error {
	var last error
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		last = check(cctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), last)
		case <-time.After(interval):
		}
	}
}

// childEnv is this process's environment without DROVER_* variables (an
// identity or projects file would turn authentication on), plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DROVER_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
