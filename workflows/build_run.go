package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
)

// TaskSkipped is the status of a task whose stage never ran.
const TaskSkipped = "skipped"

// Activity names, as registered from the methods of activities.Activities and
// activities.LedgerActivities. Workflows call activities by name so that they
// hold no dependencies.
const (
	activityRunTask             = "RunTask"
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
}

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
		Rerun:       in.Rerun,
		Status:      StatusRunning,
		StartedAt:   workflow.Now(ctx).UTC(),
		Stages:      make([]StageState, len(in.Plan.Stages)),
	}}
	for si, s := range in.Plan.Stages {
		st := StageState{Name: s.Name, Status: TaskWaiting, Tasks: make([]TaskState, len(s.Tasks))}
		for ti, t := range s.Tasks {
			st.Tasks[ti] = TaskState{Name: t.Name, Status: TaskWaiting}
		}
		b.state.Stages[si] = st
	}
	b.now = func() time.Time { return workflow.Now(ctx).UTC() }
	return b
}

func (b *buildRun) heartbeatTimeout() time.Duration {
	if b.in.HeartbeatTimeout > 0 {
		return b.in.HeartbeatTimeout
	}
	return DefaultHeartbeatTimeout
}

func (b *buildRun) infraRetries() int {
	if b.in.InfraRetries > 0 {
		return b.in.InfraRetries
	}
	return DefaultInfraRetries
}

// emit appends an event to the run's event list.
func (b *buildRun) emit(ev Event) {
	ev.Time = b.now()
	b.state.Events = append(b.state.Events, ev)
	b.notify.send(ev)
}

// listenForStartedTasks marks a scheduled task as building when its attempt
// says it is running. A late signal (the task already finished) changes nothing.
func (b *buildRun) listenForStartedTasks(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, activities.TaskStartedSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var ev activities.TaskStarted
			if !ch.Receive(ctx, &ev) {
				return
			}
			ts := b.task(ev.Stage, ev.Task)
			if ts == nil || ev.Attempt < ts.Attempt {
				continue
			}
			if ts.Status == TaskScheduled || ts.Status == TaskBuilding {
				ts.Status, ts.Attempt = TaskBuilding, ev.Attempt
				started := ev.Time.UTC()
				ts.StartedAt = &started
			}
		}
	})
}

func (b *buildRun) task(stage, name string) *TaskState {
	for si := range b.state.Stages {
		if b.state.Stages[si].Name != stage {
			continue
		}
		for ti := range b.state.Stages[si].Tasks {
			if b.state.Stages[si].Tasks[ti].Name == name {
				return &b.state.Stages[si].Tasks[ti]
			}
		}
	}
	return nil
}

// applyResult copies what an attempt reported into the task's state.
func (b *buildRun) applyResult(ts *TaskState, res activities.RunTaskResult) {
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
}

// ledgerContext runs ledger writes as local activities, retried until they
// land: the ledger must not miss a build, and the writes are idempotent.
func ledgerContext(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 24 * time.Hour,
		StartToCloseTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

func (b *buildRun) recordStarted(ctx workflow.Context) {
	lctx := ledgerContext(ctx)
	if err := workflow.ExecuteLocalActivity(lctx, activityRecordBuildStarted, b.ledgerBuild()).Get(lctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("Ledger write failed", "write", "build started", "error", err)
	}
}

func (b *buildRun) recordFinished(ctx workflow.Context, in activities.RecordBuildFinishedInput) {
	lctx := ledgerContext(ctx)
	if err := workflow.ExecuteLocalActivity(lctx, activityRecordBuildFinished, in).Get(lctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("Ledger write failed", "write", "build finished", "error", err)
	}
}

func (b *buildRun) ledgerBuild() ledger.Build {
	return ledger.Build{
		ID:          b.state.ID,
		RunID:       b.state.RunID,
		Project:     b.in.Project,
		Repository:  b.in.Repository,
		Commit:      b.in.Commit,
		Branch:      b.in.Branch,
		Status:      b.state.Status,
		TriggeredBy: b.in.TriggeredBy,
		Rerun:       b.in.Rerun,
		Version:     b.state.Version,
		StartedAt:   b.state.StartedAt,
		FinishedAt:  b.state.FinishedAt,
	}
}
