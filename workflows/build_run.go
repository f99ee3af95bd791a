package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// ActivityRunTask is the activity type of a task attempt: the API reads
// running attempts from a build's pending activities of this type.
const ActivityRunTask = "RunTask"

// Activity names, as registered from the methods of activities.Activities and
// activities.LedgerActivities. Workflows call activities by name so that they
// hold no dependencies.
const (
	activityRunTask             = ActivityRunTask
	activityRecordBuildStarted  = "RecordBuildStarted"
	activityRecordBuildFinished = "RecordBuildFinished"
)

// buildRun holds one Build's input and live state. Only workflow code touches it.
type buildRun struct {
	in    BuildInput
	state BuildState
	now   func() time.Time
	// notify sends events to the build's sinks; nil when there are none.
	notify *notifier
	// infraRetry is set in builds started since infraRetryChangeID: the
	// workflow, not Temporal's retry policy, retries attempts lost to
	// infrastructure, so that the task shows it and the count is its own.
	infraRetry bool
	// ledgerNotice is set in builds started since ledgerNoticeChangeID: a
	// ledger write retried for LedgerSlowAfter shows in BuildState.Ledger.
	ledgerNotice bool
	// completeEvents is set in builds started since completeEventsChangeID:
	// TASK_COMPLETE and BUILD_COMPLETE follow every outcome.
	completeEvents bool
	// current is set in builds started since buildChangesChangeID: they have
	// every change versioned before it, without asking for each.
	current bool
	// ledgerUntimed is set in builds started since version 2 of
	// buildChangesChangeID: the ledger notice needs no timer (writeLedgerUntimed).
	ledgerUntimed bool
	// downstreamFolded is set in builds started since version 3 of
	// buildChangesChangeID: they start downstream builds without asking
	// for downstreamChangeID.
	downstreamFolded bool
}

// buildChangesChangeID versions, at once, every change of Build versioned
// before it: "notify", ledgerNoticeChangeID, infraRetryChangeID,
// completeEventsChangeID and "start-promotion". Each GetVersion of a new run
// costs a marker and an upsert of the TemporalChangeVersion search
// attribute (two history events, a visibility write); a build now makes one
// instead of five. Later changes get their own IDs, and may be folded into
// a new one of these the same way. Version 2 also writes the ledger
// without a timer (writeLedgerUntimed); version 3 folds in
// downstreamChangeID, and comes in the build's input instead of a marker
// (see buildChanges).
const buildChangesChangeID = "build-changes"

// BuildChanges is the newest version of buildChangesChangeID: where a
// build starts, BuildInput.Changes.
const BuildChanges = 3

// completeEventsChangeID versions the TASK_COMPLETE and BUILD_COMPLETE
// events (each one numbers the run's later notifications).
const completeEventsChangeID = "complete-events"

// ledgerNoticeChangeID versions the notice of a build whose ledger write is
// being retried (a timer next to the write's local activity).
const ledgerNoticeChangeID = "ledger-notice"

// LedgerSlowAfter is how long a ledger write may be retried before the build
// says that the ledger is unreachable.
const LedgerSlowAfter = 15 * time.Second

// LedgerUnreachable is BuildState.Ledger while a ledger write is retried.
const LedgerUnreachable = "ledger unreachable, retrying: the build waits for it"

// infraRetryChangeID versions the retry of lost attempts by the workflow.
const infraRetryChangeID = "infra-retry"

// Defaults of builds with infraRetry: a worker's death is noticed after
// DefaultLostHeartbeatTimeout of silence (tasks heartbeat every second), and
// a task fails only at DefaultLostRetries attempts lost to infrastructure,
// so it survives a rolling deploy of the workers or a few crashes.
const (
	DefaultLostHeartbeatTimeout = 10 * time.Second
	DefaultLostRetries          = 10
)

func newBuildRun(ctx workflow.Context, in BuildInput) *buildRun {
	info := workflow.GetInfo(ctx)
	b := &buildRun{in: in, state: BuildState{
		ID:          info.WorkflowExecution.ID,
		RunID:       info.WorkflowExecution.RunID,
		Project:     in.Project,
		Repository:  in.Repository,
		Commit:      in.Commit,
		Branch:      in.Branch,
		TriggeredBy: in.TriggeredBy,
		Subject:     in.Subject,
		Author:      in.Author,
		Rerun:       in.Rerun,
		Inputs:      in.Plan.Inputs,
		RerunOf:     in.RerunOf,
		Upstream:    in.Upstream,
		Status:      StatusRunning,
		StartedAt:   workflow.Now(ctx).UTC(),
		Stages:      make([]StageState, len(in.Plan.Stages)),
	}}
	for si, s := range in.Plan.Stages {
		st := StageState{Name: s.Name, Status: StageWaiting, Tasks: make([]TaskState, len(s.Tasks)), From: s.From}
		for ti, t := range s.Tasks {
			st.Tasks[ti] = TaskState{Name: t.Name, Status: TaskWaiting, Steps: waitingSteps(t), From: t.From}
			if old, ok := in.Reuse[contracts.ReuseKey(s.Name, t.Name)]; ok {
				st.Tasks[ti] = reusedTask(old, t.Name, in.RerunOf)
				st.Tasks[ti].From = t.From
			}
		}
		b.state.Stages[si] = st
	}
	b.now = func() time.Time { return workflow.Now(ctx).UTC() }
	return b
}

// reusedTask is the state of a task that takes old, its success in run
// rerunOf (or in the run old was reused from), instead of running.
func reusedTask(old TaskState, name, rerunOf string) TaskState {
	old.Name, old.Status, old.Error = name, TaskSucceeded, ""
	if old.ReusedFrom == "" {
		old.ReusedFrom = rerunOf
	}
	return old
}

// reused reports whether task ti of stage si is reused from an earlier run.
func (b *buildRun) reused(si, ti int) bool {
	return b.state.Stages[si].Tasks[ti].ReusedFrom != ""
}

func (b *buildRun) heartbeatTimeout() time.Duration {
	if b.in.HeartbeatTimeout > 0 {
		return b.in.HeartbeatTimeout
	}
	if b.infraRetry {
		return DefaultLostHeartbeatTimeout
	}
	return DefaultHeartbeatTimeout
}

func (b *buildRun) infraRetries() int {
	if b.in.InfraRetries > 0 {
		return b.in.InfraRetries
	}
	if b.infraRetry {
		return DefaultLostRetries
	}
	return DefaultInfraRetries
}

// taskOptionsLost are the activity options of one attempt of a task when the
// workflow retries lost attempts itself: one attempt per activity, whose ID
// counts the lost attempts before it.
func (b *buildRun) taskOptionsLost(ctx workflow.Context, task pipeline.PlanTask, try, lost int) workflow.Context {
	id := fmt.Sprintf("%s/%s#%d", task.Stage, task.Name, try+1)
	if lost > 0 {
		id = fmt.Sprintf("%s/%s#%d.%d", task.Stage, task.Name, try+1, lost)
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           TaskQueueFor(task.RunsOn),
		ActivityID:          id,
		StartToCloseTimeout: task.Timeout + 10*time.Minute,
		HeartbeatTimeout:    b.heartbeatTimeout(),
		WaitForCancellation: true,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
}

// isInfraFailure reports whether an attempt failed for a reason of the
// infrastructure (a worker lost, a checkout, log or artifact store that
// failed) rather than of the task: neither the script's failure or timeout,
// nor a task that can never run, nor a cancellation.
func isInfraFailure(err error) bool {
	if err == nil || temporal.IsCanceledError(err) || isScriptFailure(err) {
		return false
	}
	var appErr *temporal.ApplicationError
	return !errors.As(err, &appErr) || appErr.Type() != contracts.ErrTypeBadTask
}

// lostMessage says how an attempt was lost.
func lostMessage(err error) string {
	var toErr *temporal.TimeoutError
	if errors.As(err, &toErr) && toErr.TimeoutType() == enumspb.TIMEOUT_TYPE_HEARTBEAT {
		return "worker lost"
	}
	return "infrastructure failure: " + failureMessage(err)
}

// retryLost handles an attempt lost to infrastructure, the lost-th of the
// task: below InfraRetries lost attempts the task returns to ready, says so ("worker lost,
// retrying"), and is retried after a short backoff; past it the task fails
// saying that the infrastructure failed it. It reports whether to retry.
func (b *buildRun) retryLost(ctx workflow.Context, ts *TaskState, task pipeline.PlanTask, err error, lost int) bool {
	limit := b.infraRetries()
	why := lostMessage(err)
	if lost >= limit {
		ts.Status = TaskFailed
		ts.Error = fmt.Sprintf("%s; failed on infrastructure: %d attempts lost to it, the limit", why, lost)
		b.emit(Event{Type: EventTaskFail, Stage: task.Stage, Task: task.Name, Attempt: ts.Attempt, Message: ts.Error})
		workflow.GetLogger(ctx).Error("Task failed on infrastructure", "stage", task.Stage, "task", task.Name,
			"lost", lost, "error", err)
		return false
	}
	ts.Status = TaskReady
	ts.Error = fmt.Sprintf("%s, retrying (%d of %d attempts lost to infrastructure)", why, lost, limit)
	b.emit(Event{Type: EventTaskFail, Stage: task.Stage, Task: task.Name, Attempt: ts.Attempt, Message: ts.Error})
	workflow.GetLogger(ctx).Warn("Task attempt lost to infrastructure", "stage", task.Stage, "task", task.Name,
		"lost", lost, "error", err)
	backoff := min(time.Duration(1<<min(lost-1, 5))*time.Second, 30*time.Second)
	if werr := workflow.Sleep(ctx, backoff); werr != nil {
		ts.Status, ts.Error = TaskCancelled, "cancelled"
		return false
	}
	return true
}

// emit appends an event to the run's event list.
func (b *buildRun) emit(ev Event) {
	ev.Time = b.now()
	b.state.Events = append(b.state.Events, ev)
	b.notify.send(ev)
}

// emitComplete emits TASK_COMPLETE (ts is the task's state) or
// BUILD_COMPLETE (ts is nil) with the outcome as its message, in builds
// with completeEvents.
func (b *buildRun) emitComplete(typ, stage, task string, ts *TaskState) {
	if !b.completeEvents {
		return
	}
	msg, attempt := string(b.state.Status), 0
	if ts != nil {
		msg, attempt = string(ts.Status), ts.Attempt
		if ts.Error != "" && ts.Status != TaskCancelled {
			msg += ": " + ts.Error
		}
	}
	b.emit(Event{Type: typ, Stage: stage, Task: task, Attempt: attempt, Message: msg})
}

// listenForStartedTasks marks a scheduled task as building when its attempt
// says it is running, as attempts of workers from before the API read
// building from Temporal's pending activities did (a TaskStartedSignal per
// task). A late signal (the task already finished) changes nothing.
func (b *buildRun) listenForStartedTasks(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, contracts.TaskStartedSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var ev contracts.TaskStarted
			if !ch.Receive(ctx, &ev) {
				return
			}
			ts := b.state.Task(ev.Stage, ev.Task)
			if ts == nil || ev.Attempt < ts.Attempt {
				continue
			}
			if ts.Status == TaskScheduled || ts.Status == TaskBuilding {
				// A task with steps sends a notice per step: the attempt
				// started at the first.
				if ts.Status == TaskScheduled || ev.Attempt > ts.Attempt || ts.StartedAt == nil {
					started := ev.Time.UTC()
					ts.StartedAt = &started
				}
				// A new attempt runs: a lost one's "retrying" is over.
				ts.Status, ts.Attempt, ts.Error = TaskBuilding, ev.Attempt, ""
				if stepsProgress(ev.Steps) >= stepsProgress(ts.Steps) {
					ts.Steps = ev.Steps
				}
			}
		}
	})
}

// applyResult copies what an attempt reported into the task's state.
func (b *buildRun) applyResult(ts *TaskState, res contracts.RunTaskResult) {
	if res.Attempt == 0 {
		return // the attempt never reported: lost to infrastructure or cancelled early
	}
	ts.Attempt = res.Attempt
	exit := res.ExitCode
	ts.ExitCode = &exit
	if !res.StartedAt.IsZero() {
		s, f := res.StartedAt.UTC(), res.FinishedAt.UTC()
		ts.StartedAt, ts.FinishedAt = &s, &f
	}
	ts.LogKey, ts.OutputTail, ts.Artifacts = res.LogKey, res.OutputTail, res.Artifacts
	ts.Warnings, ts.Errors = res.Warnings, res.Errors
	if len(res.Steps) > 0 {
		ts.Steps = res.Steps
	}
}

// waitingSteps is the state of a task's steps before an attempt runs them;
// nil for a task with a plain run script.
func waitingSteps(t pipeline.PlanTask) []contracts.TaskStepState {
	if len(t.Steps) == 0 {
		return nil
	}
	steps := make([]contracts.TaskStepState, len(t.Steps))
	for i, st := range t.Steps {
		steps[i] = contracts.TaskStepState{Name: st.Name, Status: TaskWaiting}
	}
	return steps
}

// stepsProgress counts the steps an attempt has started, so that a late
// notice of an earlier step does not hide a later one's; -1 for none.
func stepsProgress(steps []contracts.TaskStepState) int {
	if len(steps) == 0 {
		return -1
	}
	n := 0
	for _, st := range steps {
		if st.Status != TaskWaiting {
			n++
		}
	}
	return n
}

// ledgerContext runs ledger writes as local activities, retried until they
// land: the ledger must not miss a build, and the writes are idempotent.
func ledgerContext(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 24 * time.Hour,
		StartToCloseTimeout:    30 * time.Second,
		RetryPolicy:            ledgerRetryPolicy(),
	})
}

func ledgerRetryPolicy() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:    200 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	}
}

func (b *buildRun) recordStarted(ctx workflow.Context) {
	b.writeLedger(ctx, "build started", activityRecordBuildStarted, b.ledgerBuild())
}

func (b *buildRun) recordFinished(ctx workflow.Context, in activities.RecordBuildFinishedInput) {
	b.writeLedger(ctx, "build finished", activityRecordBuildFinished, in)
}

// writeLedger runs the ledger write activity with arg and waits for it; with
// ledgerNotice, the build says so while it is retried (awaitLedger).
func (b *buildRun) writeLedger(ctx workflow.Context, write, activity string, arg any) {
	if b.ledgerUntimed {
		b.writeLedgerUntimed(ctx, write, activity, arg)
		return
	}
	lctx := ledgerContext(ctx)
	f := workflow.ExecuteLocalActivity(lctx, activity, arg)
	if b.ledgerNotice {
		b.awaitLedger(ctx, f)
	}
	if err := f.Get(lctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("Ledger write failed", "write", write, "error", err)
	}
}

// writeLedgerUntimed is writeLedger with ledgerNotice and no timer: the write
// is tried for LedgerSlowAfter, and only when it has not landed by then does
// the build say so and retry it until it does. A timer raced against each
// write cost every build two timers (four history events and two timer
// tasks), though a write nearly always lands at once.
func (b *buildRun) writeLedgerUntimed(ctx workflow.Context, write, activity string, arg any) {
	first := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: LedgerSlowAfter,
		StartToCloseTimeout:    LedgerSlowAfter,
		RetryPolicy:            ledgerRetryPolicy(),
	})
	err := workflow.ExecuteLocalActivity(first, activity, arg).Get(first, nil)
	if err == nil {
		return
	}
	if ctx.Err() != nil {
		workflow.GetLogger(ctx).Error("Ledger write failed", "write", write, "error", err)
		return // cancelled: nothing to say
	}
	b.state.Ledger = LedgerUnreachable
	workflow.GetLogger(ctx).Error("Ledger unreachable, the build waits for it", "after", LedgerSlowAfter, "error", err)
	lctx := ledgerContext(ctx)
	if err := workflow.ExecuteLocalActivity(lctx, activity, arg).Get(lctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("Ledger write failed", "write", write, "error", err)
	}
	b.state.Ledger = ""
}

// awaitLedger waits for the ledger write f. One not done after
// LedgerSlowAfter sets BuildState.Ledger until it ends.
func (b *buildRun) awaitLedger(ctx workflow.Context, f workflow.Future) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	slow := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(f, func(workflow.Future) {})
	sel.AddFuture(workflow.NewTimer(tctx, LedgerSlowAfter), func(t workflow.Future) {
		slow = t.Get(tctx, nil) == nil // not when the build was cancelled
	})
	sel.Select(ctx)
	if !slow {
		return
	}
	b.state.Ledger = LedgerUnreachable
	workflow.GetLogger(ctx).Error("Ledger unreachable, the build waits for it", "after", LedgerSlowAfter)
	_ = f.Get(ctx, nil)
	b.state.Ledger = ""
}

func (b *buildRun) ledgerBuild() ledger.Build {
	lb := ledger.Build{
		ID:          b.state.ID,
		RunID:       b.state.RunID,
		Project:     b.in.Project,
		Repository:  b.in.Repository,
		Commit:      b.in.Commit,
		Branch:      b.in.Branch,
		Status:      string(b.state.Status),
		TriggeredBy: b.in.TriggeredBy,
		Subject:     b.in.Subject,
		Author:      b.in.Author,
		Rerun:       b.in.Rerun,
		Version:     b.state.Version,
		StartedAt:   b.state.StartedAt,
		FinishedAt:  b.state.FinishedAt,
	}
	if u := b.in.Upstream; u != nil {
		lb.UpstreamBuildID, lb.UpstreamKind = u.BuildID, u.Kind
	}
	return lb
}

// neededArtifacts are the artifacts task needs, from the states of the
// earlier tasks that stored them; nil when it needs none (as every task of
// a plan from before needs existed).
func (b *buildRun) neededArtifacts(task pipeline.PlanTask) []contracts.ArtifactRef {
	var refs []contracts.ArtifactRef
	for _, n := range task.Needs {
		ref := contracts.ArtifactRef{Name: n.Stage + "/" + n.Task + "/" + n.Name, Path: n.Path}
		if ts := b.state.Task(n.Stage, n.Task); ts != nil {
			for _, a := range ts.Artifacts {
				if a.Name == n.Name {
					ref.Key, ref.SHA256, ref.Size = a.Key, a.SHA256, a.Size
				}
			}
		}
		refs = append(refs, ref)
	}
	return refs
}
