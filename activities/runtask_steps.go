package activities

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/logstore"
)

// scriptsResult is how a task's script, or its steps, ended: as one process
// (the first step's start to the last's end, the exit code and timeout of the
// last step run), with each step's own outcome in Steps.
type scriptsResult struct {
	processResult
	Steps []TaskStepState
}

// runScripts runs the task's script, or its steps in order, with spec (whose
// Script, Timeout and OnStart it sets). The task's timeout bounds all the
// steps together. The first step that fails, times out, or is stopped ends
// the run: the steps after it are skipped; failedStep names it. Each step's
// section of the log starts with "=== step <n>/<count> <name> ===".
func (a *Activities) runScripts(ctx context.Context, in RunTaskInput, progress *taskProgress, spec processSpec,
	log *logstore.LineWriter, logger *slog.Logger) (res scriptsResult, failedStep string, err error) {
	if len(in.Task.Steps) == 0 {
		// No steps: notifyStarted only records the start, it heartbeats
		// nothing later, so no context is needed to end a later notice (ctx
		// stands in for it, a nil Context being refused by staticcheck).
		spec.Script, spec.Timeout = in.Task.Run, in.Task.Timeout
		spec.OnStart = a.notifyStarted(ctx, ctx, progress, nil)
		res.processResult, err = runProcess(ctx, spec)
		return res, "", err
	}

	steps := make([]TaskStepState, len(in.Task.Steps))
	for i, st := range in.Task.Steps {
		steps[i] = TaskStepState{Name: st.Name, Status: contracts.TaskWaiting}
	}
	res.Steps = steps
	deadline := time.Now().Add(in.Task.Timeout)
	for i, st := range in.Task.Steps {
		log.Printf("=== step %d/%d %s ===", i+1, len(steps), st.Name)
		started := time.Now().UTC()
		steps[i].Status, steps[i].StartedAt = contracts.TaskBuilding, &started

		running, stepDone := context.WithCancel(ctx)
		step := spec
		step.Script, step.Timeout = st.Run, max(time.Until(deadline), time.Millisecond)
		step.OnStart = a.notifyStarted(ctx, running, progress, cloneSteps(steps))
		var proc processResult
		var perr error
		if st.Push != nil {
			step.OnStart()
			proc = a.runPush(ctx, in, spec.Dir, st, log, logger)
		} else {
			proc, perr = runProcess(ctx, step)
		}
		stepDone()

		if i == 0 || res.StartedAt.IsZero() {
			res.StartedAt = proc.StartedAt
		}
		res.FinishedAt, res.ExitCode, res.TimedOut, res.Failure = proc.FinishedAt, proc.ExitCode, proc.TimedOut, proc.Failure
		if res.OutputErr == nil {
			res.OutputErr = proc.OutputErr
		}
		if !proc.StartedAt.IsZero() {
			from, to := proc.StartedAt.UTC(), proc.FinishedAt.UTC()
			steps[i].StartedAt, steps[i].FinishedAt = &from, &to
			steps[i].Duration = to.Sub(from)
		} else {
			finished := time.Now().UTC()
			steps[i].FinishedAt = &finished
		}
		exit := proc.ExitCode
		if proc.TimedOut {
			exit = -1
		}
		steps[i].ExitCode = &exit

		took := steps[i].Duration.Round(time.Millisecond)
		switch {
		case ctx.Err() != nil && (perr != nil || proc.ExitCode != 0):
			steps[i].Status = contracts.TaskCancelled
			log.Printf("=== step %s cancelled after %s ===", st.Name, took)
		case perr != nil || proc.TimedOut || proc.ExitCode != 0 || proc.OutputErr != nil:
			steps[i].Status = contracts.TaskFailed
			log.Printf("=== step %s failed after %s ===", st.Name, took)
		default:
			steps[i].Status = contracts.TaskSucceeded
			log.Printf("=== step %s succeeded after %s ===", st.Name, took)
			continue
		}
		for j := i + 1; j < len(steps); j++ {
			steps[j].Status = contracts.TaskSkipped
			log.Printf("=== step %d/%d %s skipped ===", j+1, len(steps), steps[j].Name)
		}
		return res, st.Name, perr
	}
	return res, "", nil
}

// cloneSteps copies steps for a notice sent while they change.
func cloneSteps(steps []TaskStepState) []TaskStepState {
	out := slices.Clone(steps)
	for i := range out {
		if out[i].StartedAt != nil {
			t := *out[i].StartedAt
			out[i].StartedAt = &t
		}
		if out[i].FinishedAt != nil {
			t := *out[i].FinishedAt
			out[i].FinishedAt = &t
		}
		if out[i].ExitCode != nil {
			c := *out[i].ExitCode
			out[i].ExitCode = &c
		}
	}
	return out
}
