package activities

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/drover-ci/drover/sandbox"
)

// outputDrainDelay bounds how long output is still read once the process
// group is dead, in case a process that left the group keeps the pipe open.
const outputDrainDelay = 2 * time.Second

// processSpec describes a script to run.
type processSpec struct {
	Script  string
	Dir     string
	Env     []string
	Output  io.Writer     // stdout and stderr, interleaved
	Timeout time.Duration // 0 = none
	// KillGrace is the time between SIGTERM and SIGKILL to the process group.
	KillGrace time.Duration
	// OnStart, if set, is called once the process has started.
	OnStart func()
	// Sandbox, when set, runs the script under bwrap (see package sandbox)
	// with the step's network, files and writable directories; nil runs it
	// directly (DROVER_SANDBOX=off).
	Sandbox  *sandbox.Sandbox
	Network  string            // sandbox.NetworkHost or NetworkNone; "" = the sandbox's default
	Service  bool              // processes may outlive the script (see sandbox.Step.Service)
	Files    map[string][]byte // written read-only into the sandbox (secrets as files)
	Writable []string          // more host directories the script may write
	// Pids, when set, records the script's process group while it runs, so a
	// restarted worker can kill what a dead one left (sandbox.Pids).
	Pids *sandbox.Pids
}

// processResult is how a script ended.
type processResult struct {
	ExitCode int // -1 when killed by a signal
	TimedOut bool
	// OutputErr is the first error writing the script's output to
	// spec.Output; the rest of the output was then read and dropped, so the
	// script never blocked on a full pipe.
	OutputErr  error
	StartedAt  time.Time
	FinishedAt time.Time
	// Failure, for a step the worker runs itself (a push), says why it
	// failed; empty for a script.
	Failure string
}

// runProcess runs spec.Script with bash -eo pipefail in its own process group
// and waits for it. When ctx is done or the timeout passes, the group gets
// SIGTERM and, after the grace period, SIGKILL; once the script's main process
// has exited, whatever is left of its group is killed too. It returns an
// error wrapping ctx.Err() when ctx ended the script, and an error when the
// script could not be started; a script that ran returns its exit code.
func runProcess(ctx context.Context, spec processSpec) (processResult, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return processResult{}, fmt.Errorf("create output pipe: %w", err)
	}
	cmd, cleanup, err := command(spec)
	if err != nil {
		_ = pr.Close()
		_ = pw.Close()
		return processResult{}, err
	}
	// The child writes straight into the pipe (an *os.File), so Wait does not
	// wait for the output to be copied, only for the main process to exit.
	cmd.Stdout = pw
	cmd.Stderr = pw
	res := processResult{StartedAt: time.Now()}
	err = cmd.Start()
	_ = pw.Close()
	cleanup()
	if err != nil {
		_ = pr.Close()
		return processResult{}, fmt.Errorf("start script: %w", err)
	}
	pgid := cmd.Process.Pid
	if spec.Pids != nil && !spec.Service {
		defer spec.Pids.Record(pgid)()
	}
	copied := make(chan struct{})
	out := &drainWriter{w: spec.Output}
	go func() {
		defer close(copied)
		buf := copyBuffers.Get().(*[]byte)
		defer copyBuffers.Put(buf)
		// Read errors only mean the pipe was closed (outputDrainDelay).
		_, _ = io.CopyBuffer(out, struct{ io.Reader }{pr}, *buf)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if spec.OnStart != nil {
		spec.OnStart()
	}

	var timeout <-chan time.Time
	if spec.Timeout > 0 {
		t := time.NewTimer(spec.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	// An activity past its deadline is retried by Temporal at once, maybe
	// on this host: the attempt must be dead by then, so it is stopped a
	// grace period (plus a margin) before the deadline.
	var deadline <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl) - spec.KillGrace - deadlineMargin; d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			deadline = t.C
		}
	}
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-ctx.Done():
		waitErr = terminate(pgid, spec.KillGrace, exited)
	case <-deadline:
		waitErr = terminate(pgid, spec.KillGrace, exited)
	case <-timeout:
		res.TimedOut = true
		waitErr = terminate(pgid, spec.KillGrace, exited)
	}
	// Background children must not outlive the task, unless it starts a
	// service.
	if !spec.Service || res.TimedOut || ctx.Err() != nil {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	select {
	case <-copied:
	case <-time.After(outputDrainDelay):
		_ = pr.Close()
		<-copied
	}
	_ = pr.Close()
	res.FinishedAt = time.Now()
	res.OutputErr = out.err

	res.ExitCode = 0
	if waitErr != nil {
		var exit *exec.ExitError
		if !errors.As(waitErr, &exit) {
			return res, fmt.Errorf("wait for script: %w", waitErr)
		}
		res.ExitCode = exit.ExitCode()
	}
	if !res.TimedOut && ctx.Err() != nil && waitErr != nil {
		return res, fmt.Errorf("script stopped: %w", ctx.Err())
	}
	return res, nil
}

// copyBuffers hold the buffers that copy scripts' output to their logs.
// io.Copy from the pipe (an *os.File, whose WriteTo io.Copy prefers) would
// allocate 32 KiB for every script: half a megabyte of garbage for a build
// of 15 tasks. The pipe is wrapped so that io.CopyBuffer uses the buffer.
var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}

// deadlineMargin is how long before its activity's deadline (less the kill
// grace) a script is stopped.
const deadlineMargin = time.Second

// command builds the script's command: in the sandbox when spec has one,
// else bash in its own process group that gets SIGKILL when the worker dies.
func command(spec processSpec) (*exec.Cmd, func(), error) {
	if spec.Sandbox != nil {
		cmd, cleanup, err := spec.Sandbox.Command(spec.Script, sandbox.Step{Workspace: spec.Dir, Env: spec.Env,
			Network: spec.Network, Service: spec.Service, Writable: spec.Writable, Files: spec.Files})
		if err != nil {
			return nil, nil, fmt.Errorf("start script: %w", err)
		}
		return cmd, cleanup, nil
	}
	cmd := exec.Command(bashPath(), "-eo", "pipefail", "-c", spec.Script)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if !spec.Service {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	return cmd, func() {}, nil
}

// bashFound is bash's path in the worker's PATH, once found.
var bashFound atomic.Pointer[string]

// bashPath returns bash's path in the worker's PATH (what exec.Command
// would find), looked up once rather than with a stat per PATH entry for
// every script; "bash" while it is not found, so that starting the script
// says why.
func bashPath() string {
	if p := bashFound.Load(); p != nil {
		return *p
	}
	p, err := exec.LookPath("bash")
	if err != nil {
		return "bash"
	}
	bashFound.Store(&p)
	return p
}

// terminate sends SIGTERM to the process group, then SIGKILL if the main
// process has not exited after grace, and returns the main process's exit.
func terminate(pgid int, grace time.Duration, exited <-chan error) error {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-exited:
		return err
	case <-t.C:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return <-exited
	}
}

// drainWriter writes to w until the first error, which it keeps, and then
// drops what it is given: a script whose log cannot be written must not
// block on a full pipe until its timeout.
type drainWriter struct {
	w   io.Writer
	err error // read only once the copy is done
}

func (d *drainWriter) Write(p []byte) (int, error) {
	if d.err != nil {
		return len(p), nil
	}
	if _, err := d.w.Write(p); err != nil {
		d.err = err
	}
	return len(p), nil
}
