package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// Build runs a build's construction plan: stages in order, the tasks of a
// stage in parallel, each as a RunTask activity. It returns the final
// BuildState; a failed or cancelled build returns an error whose details hold it.
func Build(ctx workflow.Context, in BuildInput) (BuildState, error) {
	b := newBuildRun(ctx, in)
	if err := workflow.SetQueryHandler(ctx, BuildStateQuery, func() (BuildState, error) {
		return b.state, nil
	}); err != nil {
		return BuildState{}, fmt.Errorf("set query handler: %w", err)
	}
	b.listenForStartedTasks(ctx)
	changes := buildChanges(ctx, in)
	b.current, b.ledgerUntimed, b.downstreamFolded = changes >= 1, changes >= 2, changes >= 3
	b.startNotifier(ctx)

	b.emit(Event{Type: EventBuildStart, Message: fmt.Sprintf("%s@%s", in.Branch, shortCommit(in.Commit))})
	b.ledgerNotice = b.current || workflow.GetVersion(ctx, ledgerNoticeChangeID, workflow.DefaultVersion, 1) != workflow.DefaultVersion
	b.recordStarted(ctx)
	count(ctx, MetricBuildsStarted, "project", in.Project)
	b.infraRetry = b.current || workflow.GetVersion(ctx, infraRetryChangeID, workflow.DefaultVersion, 1) != workflow.DefaultVersion
	b.completeEvents = b.current || workflow.GetVersion(ctx, completeEventsChangeID, workflow.DefaultVersion, 1) != workflow.DefaultVersion

	for si := range in.Plan.Stages {
		if !b.runStage(ctx, si) {
			break
		}
	}
	return b.finish(ctx)
}

// buildChanges is the version of buildChangesChangeID the run takes: the
// one its input carries (BuildInput.Changes, builds started since version
// 3), which costs no marker; otherwise, as builds started before it did,
// the one GetVersion records: one marker for all of the changes before it
// (a build recorded before that asks for each change in turn). A version
// newer than this code knows fails the workflow task (as GetVersion does),
// so that a worker that knows it runs the build.
func buildChanges(ctx workflow.Context, in BuildInput) workflow.Version {
	if in.Changes > 0 {
		if in.Changes > BuildChanges {
			panic(fmt.Sprintf("build started with changes version %d; this worker knows up to %d", in.Changes, BuildChanges))
		}
		return workflow.Version(in.Changes)
	}
	return workflow.GetVersion(ctx, buildChangesChangeID, workflow.DefaultVersion, BuildChanges)
}

// runStage runs the tasks of stage si in parallel and waits for all of them.
// It reports whether the build may go on to the next stage.
func (b *buildRun) runStage(ctx workflow.Context, si int) bool {
	stage := b.in.Plan.Stages[si]
	b.state.Stages[si].Status = StageRunning
	stageCtx, cancelStage := workflow.WithCancel(ctx)
	defer cancelStage()

	wg := workflow.NewWaitGroup(ctx)
	for ti := range stage.Tasks {
		if b.reused(si, ti) {
			continue
		}
		b.state.Stages[si].Tasks[ti].Status = TaskReady
		wg.Add(1)
		workflow.Go(stageCtx, func(tctx workflow.Context) {
			defer wg.Done()
			ok := b.runTask(tctx, si, ti)
			b.emitComplete(EventTaskComplete, stage.Tasks[ti].Stage, stage.Tasks[ti].Name, &b.state.Stages[si].Tasks[ti])
			if !ok && stage.FailFast {
				cancelStage()
			}
		})
	}
	wg.Wait(ctx)

	status := StageSucceeded
	for _, t := range b.state.Stages[si].Tasks {
		switch {
		case t.Status == TaskFailed:
			status = StageFailed
		case t.Status == TaskCancelled && status != StageFailed:
			status = StageCancelled
		}
	}
	b.state.Stages[si].Status = status
	return status == StageSucceeded && ctx.Err() == nil
}

// runTask runs one task until it succeeds or its retries are spent. Each run is
// one activity; Temporal retries it on infrastructure failures (a worker lost,
// a checkout that failed), the loop here on the script's own failures. With
// infraRetry (builds started since that change), the loop retries both,
// counted apart: see retryLost.
func (b *buildRun) runTask(ctx workflow.Context, si, ti int) bool {
	task := b.in.Plan.Stages[si].Tasks[ti]
	ts := &b.state.Stages[si].Tasks[ti]
	prior, lost := 0, 0 // lost: attempts lost to infrastructure (infraRetry)
	wasLost := false
	for try := 0; ; try++ {
		ts.Status, ts.Attempt = TaskScheduled, prior+1
		if len(task.Steps) > 0 {
			ts.Steps = waitingSteps(task) // a new attempt runs every step again
		}
		if !wasLost {
			ts.Error = "" // "worker lost, retrying" stays until the next attempt starts
		}
		wasLost = false
		b.emit(Event{Type: EventTaskStart, Stage: task.Stage, Task: task.Name, Attempt: ts.Attempt})

		opts := b.taskOptions(ctx, task, try)
		if b.infraRetry {
			opts = b.taskOptionsLost(ctx, task, try, lost)
		}
		var res contracts.RunTaskResult
		err := workflow.ExecuteActivity(opts, activityRunTask, contracts.RunTaskInput{
			BuildID:       b.state.ID,
			RunID:         b.state.RunID,
			Project:       b.in.Project,
			Repository:    b.in.Repository,
			Commit:        b.in.Commit,
			Branch:        b.in.Branch,
			Task:          task,
			PriorAttempts: prior,
			// Only names travel; the worker reads the values.
			SecretsAllowed: b.in.SecretsAllowed,
			Needs:          b.neededArtifacts(task),
			Version:        b.version(),
		}).Get(ctx, &res)

		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.HasDetails() {
			_ = appErr.Details(&res)
		}
		b.applyResult(ts, res)
		switch {
		case err == nil:
			ts.Status, ts.Error = TaskSucceeded, ""
			b.emit(Event{Type: EventTaskSuccess, Stage: task.Stage, Task: task.Name, Attempt: ts.Attempt})
			return true
		case ctx.Err() != nil || temporal.IsCanceledError(err):
			ts.Status, ts.Error = TaskCancelled, "cancelled"
			b.emit(Event{Type: EventTaskFail, Stage: task.Stage, Task: task.Name, Attempt: ts.Attempt, Message: "cancelled"})
			return false
		}
		if b.infraRetry && isInfraFailure(err) {
			lost++
			if b.retryLost(ctx, ts, task, err, lost) {
				prior, wasLost = max(ts.Attempt, prior+1), true
				try-- // an attempt lost to infrastructure is not one of the script's retries
				continue
			}
			return false
		}
		ts.Error = failureMessage(err)
		retry := isScriptFailure(err) && try < task.Retries
		msg := ts.Error
		if retry {
			msg += fmt.Sprintf("; retrying (%d of %d retries left)", task.Retries-try, task.Retries)
		}
		b.emit(Event{Type: EventTaskFail, Stage: task.Stage, Task: task.Name, Attempt: ts.Attempt, Message: msg})
		if !retry {
			ts.Status = TaskFailed
			return false
		}
		prior = max(ts.Attempt, prior+1)
	}
}

// taskOptions are the activity options of one run of a task.
func (b *buildRun) taskOptions(ctx workflow.Context, task pipeline.PlanTask, try int) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:  TaskQueueFor(task.RunsOn),
		ActivityID: fmt.Sprintf("%s/%s#%d", task.Stage, task.Name, try+1),
		// The activity enforces the task's timeout itself, so a timed-out script
		// is a task failure; this bound only catches a stuck checkout or upload.
		StartToCloseTimeout: task.Timeout + 10*time.Minute,
		HeartbeatTimeout:    b.heartbeatTimeout(),
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
			MaximumAttempts:    int32(b.infraRetries()),
			NonRetryableErrorTypes: []string{
				contracts.ErrTypeTaskFailed, contracts.ErrTypeTaskTimedOut, contracts.ErrTypeBadTask,
			},
		},
	})
}

// TaskQueueFor is the task queue of tasks with the given runs-on labels:
// TaskQueue for none, otherwise "drover-" and the sorted labels joined by "+".
func TaskQueueFor(labels []string) string {
	if len(labels) == 0 {
		return TaskQueue
	}
	q := TaskQueue + "-" + labels[0]
	for _, l := range labels[1:] {
		q += "+" + l
	}
	return q
}

func isScriptFailure(err error) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return false
	}
	return appErr.Type() == contracts.ErrTypeTaskFailed || appErr.Type() == contracts.ErrTypeTaskTimedOut
}

// failureMessage is the innermost message of an activity failure, without
// the SDK's wrapping.
func failureMessage(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	var toErr *temporal.TimeoutError
	if errors.As(err, &toErr) {
		return "timed out (" + toErr.TimeoutType().String() + ")"
	}
	return err.Error()
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// version is the version the build registers if it succeeds (see finish):
// the commit's first 12 hex digits, and "-<inputs key>" for a build with
// inputs (another build of the commit, with other inputs, may register the
// plain version; builds started before inputs have no key).
func (b *buildRun) version() string {
	v := shortCommit(b.in.Commit)
	if key := b.in.Plan.InputsKey; key != "" {
		v += "-" + key
	}
	return v
}
