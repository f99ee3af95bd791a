package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/logstore"
)

// RunTask runs one attempt of a task: it checks the commit out into a fresh
// workspace, runs the task's script there in its own process group while
// streaming its output to the task's log and heartbeating, and on success
// stores the task's artifacts. A script that exits non-zero or runs past the
// task's timeout fails with a non-retryable TaskFailed or TaskTimedOut error
// whose details hold the RunTaskResult; infrastructure failures (checkout,
// log or blob store) are plain, retryable errors. When the activity is
// cancelled, the script is killed and ctx's error returned. Each attempt's
// duration is recorded (drover_task_duration_seconds).
func (a *Activities) RunTask(ctx context.Context, in RunTaskInput) (RunTaskResult, error) {
	start := time.Now()
	res, err := a.runTask(ctx, in)
	observeTask(ctx, in.Project, time.Since(start), err)
	return res, err
}

func (a *Activities) runTask(ctx context.Context, in RunTaskInput) (_ RunTaskResult, err error) {
	attempt := in.PriorAttempts + int(activity.GetInfo(ctx).Attempt)
	logger := a.logger().With("build_id", in.BuildID, "stage", in.Task.Stage, "task", in.Task.Name, "attempt", attempt)
	result := RunTaskResult{
		Attempt: attempt,
		LogKey:  logstore.TaskKey(in.BuildID, in.RunID, in.Task.Stage, in.Task.Name),
	}

	progress := &taskProgress{ev: TaskStarted{Stage: in.Task.Stage, Task: in.Task.Name, Attempt: attempt}}
	stopHeartbeat := a.heartbeatWith(ctx, func() any { return progress.get() })
	defer stopHeartbeat()

	open := a.Logs.Writer
	if fw, ok := a.Logs.(logstore.FreshWriter); ok && attempt == 1 {
		// No earlier attempt of the task in this run can have written a log.
		open = fw.FreshWriter
	}
	log, err := open(result.LogKey)
	if err != nil {
		return result, logFailure(in, logger, err)
	}
	defer func() {
		cerr := log.Close()
		switch {
		case cerr == nil || errors.Is(err, cerr):
			// Written fine, or the write error is the attempt's error already.
		case err == nil || isScriptOutcome(err):
			// The log is incomplete: the attempt is lost to the log store,
			// whatever the script did.
			err = logFailure(in, logger, cerr)
		default:
			logger.Warn("Close task log failed.", "error", cerr)
		}
	}()
	log.SetLimit(a.logLimit())
	host, _ := os.Hostname()
	log.Printf("=== attempt %d on %s ===", attempt, host)

	workspace, err := a.newWorkspace()
	if err != nil {
		log.Printf("=== workspace failed: %v ===", err)
		return result, err
	}
	defer func() {
		if err := a.releaseWorkspace(workspace); err != nil {
			logger.Warn("Remove workspace failed.", "error", err)
		}
	}()

	if in.Task.Checkout {
		log.Printf("=== checkout %s at %s ===", gitsource.Redact(in.Repository), in.Commit)
		if err := a.Source.Checkout(ctx, in.Repository, in.Commit, workspace); err != nil {
			log.Printf("=== checkout failed: %v ===", err)
			if ctx.Err() != nil {
				return result, fmt.Errorf("task %s/%s cancelled: %w", in.Task.Stage, in.Task.Name, ctx.Err())
			}
			return result, fmt.Errorf("task %s/%s: %w", in.Task.Stage, in.Task.Name, err)
		}
	}

	if err := a.downloadNeeds(ctx, in, workspace, log); err != nil {
		if ctx.Err() != nil {
			return result, fmt.Errorf("task %s/%s cancelled: %w", in.Task.Stage, in.Task.Name, ctx.Err())
		}
		return result, err
	}

	home := cacheHome(in, workspace)
	if home != "" {
		if err := os.MkdirAll(home, 0o755); err != nil {
			return result, fmt.Errorf("task %s/%s: create HOME: %w", in.Task.Stage, in.Task.Name, err)
		}
		defer func() {
			if err := removeWorkspace(home); err != nil {
				logger.Warn("Remove task HOME failed.", "error", err)
			}
		}()
	}
	caches := a.restoreCaches(ctx, in, workspace, home, log)

	granted, err := a.grantSecrets(ctx, in.Project, "", in.SecretsAllowed, in.Task.Secrets, log, ErrTypeBadTask)
	if err != nil {
		return result, err
	}
	defer granted.cleanup()
	var writable []string
	if a.PublishRoot != "" {
		writable = append(writable, a.PublishRoot)
	}
	env := append(taskEnv(a.baseEnv(), in, attempt, workspace, a.PublishRoot), granted.Env...)
	if home != "" {
		// Caches with ~/ paths: HOME is the attempt's own directory.
		env = slices.DeleteFunc(env, func(v string) bool { return strings.HasPrefix(v, "HOME=") })
		env = append(env, "HOME="+home)
		writable = append(writable, home)
	}

	// The script's "::warning::" and "::error::" lines are collected.
	out := &outputCollector{w: log, annotations: &annotations{}}
	proc, failedStep, err := a.runScripts(ctx, in, progress, processSpec{
		Dir:       workspace,
		Env:       env,
		Output:    out,
		KillGrace: a.killGrace(),
		Sandbox:   a.Sandbox,
		Network:   a.stepNetwork(in.Project, "task"),
		Files:     granted.Files,
		Writable:  writable,
		Pids:      a.sandboxPids(),
	}, log, logger)
	result.Steps = proc.Steps
	result.StartedAt, result.FinishedAt = proc.StartedAt, proc.FinishedAt
	result.Duration = proc.FinishedAt.Sub(proc.StartedAt)
	result.ExitCode = proc.ExitCode
	result.OutputTail = log.Tail()
	result.Warnings, result.Errors = out.annotated(granted.Masker)
	// A push step's reason becomes the task's error, in the build's history.
	proc.Failure = granted.Masker.String(proc.Failure)
	if ctx.Err() != nil && (err != nil || proc.ExitCode != 0) {
		log.Printf("=== cancelled ===")
		return result, fmt.Errorf("task %s/%s cancelled: %w", in.Task.Stage, in.Task.Name, ctx.Err())
	}
	if err != nil {
		log.Printf("=== %v ===", err)
		return result, fmt.Errorf("task %s/%s: %w", in.Task.Stage, in.Task.Name, err)
	}
	if proc.OutputErr != nil {
		// The script ran to its end (its output was dropped), but its log
		// is incomplete: no artifacts are stored for it.
		return result, logFailure(in, logger, proc.OutputErr)
	}
	result, err = a.finish(ctx, in, workspace, result, proc.processResult, failedStep, log, logger)
	if err == nil {
		a.saveCaches(ctx, in, workspace, home, caches, log)
	}
	return result, err
}

// logFailure is the error of an attempt whose log could not be written: a
// retryable infrastructure failure, not the script's, logged at ERROR.
func logFailure(in RunTaskInput, logger *slog.Logger, err error) error {
	logger.Error("Cannot write the task's log.", "error", err)
	return fmt.Errorf("task %s/%s: cannot write the task's log: %w", in.Task.Stage, in.Task.Name, err)
}

// isScriptOutcome reports whether err says how the script ended (it failed
// or timed out), as opposed to an infrastructure failure, a task that can
// never run or a cancellation.
func isScriptOutcome(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && (appErr.Type() == ErrTypeTaskFailed || appErr.Type() == ErrTypeTaskTimedOut)
}

// finish turns how the script ended into the activity's outcome.
// failedStep names the step that failed, for a task with steps.
func (a *Activities) finish(ctx context.Context, in RunTaskInput, workspace string, result RunTaskResult,
	proc processResult, failedStep string, log *logstore.LineWriter, logger *slog.Logger) (RunTaskResult, error) {
	what := fmt.Sprintf("task %s/%s", in.Task.Stage, in.Task.Name)
	if failedStep != "" {
		what += " step " + failedStep
	}
	switch {
	case proc.TimedOut:
		result.ExitCode = -1
		msg := fmt.Sprintf("%s timed out after %s", what, in.Task.Timeout)
		log.Printf("=== %s ===", msg)
		return result, temporal.NewNonRetryableApplicationError(msg, ErrTypeTaskTimedOut, nil, result)
	case proc.ExitCode != 0:
		msg := fmt.Sprintf("%s exited with code %d", what, proc.ExitCode)
		if proc.Failure != "" {
			msg = what + ": " + proc.Failure
		}
		log.Printf("=== %s ===", msg)
		return result, temporal.NewNonRetryableApplicationError(msg, ErrTypeTaskFailed, nil, result)
	}
	log.Printf("=== exited with code 0 after %s ===", result.Duration.Round(time.Millisecond))
	refs, err := a.uploadArtifacts(ctx, in, workspace, result)
	if err != nil {
		log.Printf("=== %v ===", err)
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			return result, err
		}
		if ctx.Err() != nil {
			return result, fmt.Errorf("task %s/%s cancelled: %w", in.Task.Stage, in.Task.Name, ctx.Err())
		}
		// The blob store failed: retryable, like any infrastructure failure.
		logger.Error("Cannot store the task's artifacts.", "error", err)
		return result, fmt.Errorf("task %s/%s: cannot store the task's artifacts: %w", in.Task.Stage, in.Task.Name, err)
	}
	for _, r := range refs {
		log.Printf("=== artifact %s: %s (%d bytes, sha256 %s) ===", r.Name, r.Path, r.Size, r.SHA256)
	}
	result.Artifacts = refs
	logger.Debug("Task succeeded.", "duration", result.Duration)
	return result, nil
}

// heartbeat records a heartbeat every HeartbeatInterval until stopped, with
// the attempt as its details; it is how a cancellation reaches the activity.
func (a *Activities) heartbeat(ctx context.Context, attempt int) (stop func()) {
	return a.heartbeatWith(ctx, func() any { return attempt })
}

// heartbeatWith is heartbeat with details() as each heartbeat's details.
// The first heartbeat waits one interval: a task that ends sooner costs no
// heartbeat round trip, and the heartbeat timeout is far longer.
func (a *Activities) heartbeatWith(ctx context.Context, details func() any) (stop func()) {
	return every(ctx, a.heartbeatInterval(), func() { activity.RecordHeartbeat(ctx, details()) })
}

// every calls fn every interval, the first time one interval from now,
// until stop is called (which waits for a call under way) or ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			fn()
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// taskProgress is what a running attempt tells its build, as the details of
// its heartbeats: the attempt, when its script started and, for a task with
// steps, their progress. The build's workflow is not told: the API reads
// the activity's pending state (started, attempt, last heartbeat details)
// from Temporal's description of the run and shows the task building, so a
// long task costs Temporal no signal and no workflow task.
type taskProgress struct {
	mu sync.Mutex
	ev TaskStarted
}

// get returns a copy of the progress.
func (p *taskProgress) get() TaskStarted {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := p.ev
	ev.Steps = cloneSteps(ev.Steps)
	return ev
}

// started records that the script, or a step (steps is then the attempt's
// progress), has started.
func (p *taskProgress) started(steps []TaskStepState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ev.Time.IsZero() {
		p.ev.Time = time.Now().UTC()
	}
	if steps != nil {
		p.ev.Steps = steps
	}
}

// notifyStarted returns the OnStart hook of a script: it records in progress
// that the script (a step, when steps is the attempt's progress) started.
// A step still running after StartedSignalDelay heartbeats its progress at
// once, so that the running step shows live; a plain script waits for the
// next heartbeat, since the activity's pending state already says the task
// is building.
func (a *Activities) notifyStarted(ctx, running context.Context, progress *taskProgress, steps []TaskStepState) func() {
	return func() {
		progress.started(steps)
		if steps == nil {
			return
		}
		ev := progress.get()
		if a.StartedSignalDelay <= 0 {
			// At once, and here rather than in a goroutine, so that the
			// steps' heartbeats arrive in the order the steps started.
			activity.RecordHeartbeat(ctx, ev)
			return
		}
		go func() {
			t := time.NewTimer(a.StartedSignalDelay)
			defer t.Stop()
			select {
			case <-running.Done():
				return
			case <-t.C:
			}
			if running.Err() != nil {
				return
			}
			activity.RecordHeartbeat(ctx, ev)
		}()
	}
}
