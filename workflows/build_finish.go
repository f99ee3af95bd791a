package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// finish settles the build's status, records it and returns the workflow's result.
func (b *buildRun) finish(ctx workflow.Context) (BuildState, error) {
	cancelled := ctx.Err() != nil
	// What is left to do must happen even when the build was cancelled.
	ctx, _ = workflow.NewDisconnectedContext(ctx)

	b.state.Status = StatusSucceeded
	for si := range b.state.Stages {
		st := &b.state.Stages[si]
		switch st.Status {
		case StageFailed:
			b.state.Status = StatusFailed
		case StageCancelled:
			if b.state.Status != StatusFailed {
				b.state.Status = StatusCancelled
			}
		case StageWaiting:
			st.Status = StageSkipped
			for ti := range st.Tasks {
				st.Tasks[ti].Status = TaskSkipped
			}
		}
	}
	if cancelled && b.state.Status == StatusSucceeded {
		b.state.Status = StatusCancelled
	}
	finished := b.now()
	b.state.FinishedAt = &finished
	count(ctx, MetricBuildsFinished, "project", b.in.Project, "result", string(b.state.Status))

	rec := activities.RecordBuildFinishedInput{}
	if b.state.Status == StatusSucceeded {
		b.state.Version = b.version()
		rec.Version = b.artifactVersion(finished)
		b.emit(Event{Type: EventBuildSuccess, Message: "version " + b.state.Version})
	} else {
		b.emit(Event{Type: EventBuildFail, Message: string(b.state.Status)})
	}
	rec.Build, rec.Tasks = b.ledgerBuild(), b.ledgerTasks()
	b.recordFinished(ctx, rec)
	if b.state.Status == StatusSucceeded {
		b.startPromotion(ctx, rec.Version)
		b.startDownstream(ctx)
	}
	b.emitComplete(EventBuildComplete, "", "", nil)

	if err := workflow.UpsertTypedSearchAttributes(ctx,
		temporal.NewSearchAttributeKeyKeyword(SearchAttrStatus).ValueSet(string(b.state.Status))); err != nil {
		workflow.GetLogger(ctx).Warn("Search attribute not updated", "error", err)
	}
	b.notify.drain(ctx)
	switch b.state.Status {
	case StatusFailed:
		return b.state, temporal.NewNonRetryableApplicationError("build failed: "+b.failedTasks(), contracts.ErrTypeBuildFailed, nil, b.state)
	case StatusCancelled:
		return b.state, temporal.NewCanceledError(b.state)
	}
	return b.state, nil
}

func (b *buildRun) failedTasks() string {
	out := ""
	for _, st := range b.state.Stages {
		for _, t := range st.Tasks {
			if t.Status == TaskFailed {
				if out != "" {
					out += ", "
				}
				out += st.Name + "/" + t.Name
			}
		}
	}
	return out
}

func (b *buildRun) ledgerTasks() []ledger.Task {
	var tasks []ledger.Task
	for si, st := range b.state.Stages {
		for ti, t := range st.Tasks {
			tasks = append(tasks, ledger.Task{
				BuildID: b.state.ID, RunID: b.state.RunID,
				Stage: st.Name, Name: t.Name, StageIndex: si, TaskIndex: ti,
				Status: string(t.Status), Attempt: t.Attempt, ExitCode: t.ExitCode,
				StartedAt: t.StartedAt, FinishedAt: t.FinishedAt,
				Error: t.Error, LogKey: t.LogKey,
				Warnings: t.Warnings, Errors: t.Errors,
			})
		}
	}
	return tasks
}

func (b *buildRun) artifactVersion(at time.Time) *ledger.ArtifactVersion {
	v := &ledger.ArtifactVersion{
		Project: b.in.Project, Version: b.state.Version, Commit: b.in.Commit, Branch: b.in.Branch,
		BuildID: b.state.ID, RunID: b.state.RunID, CreatedAt: at,
		RegisteredBy: slices.Clone(b.in.RegisteredBy),
	}
	for _, st := range b.state.Stages {
		for _, t := range st.Tasks {
			for _, a := range t.Artifacts {
				v.Artifacts = append(v.Artifacts, ledger.Artifact{Name: a.Name, Path: a.Path, Key: a.Key, SHA256: a.SHA256, Size: a.Size})
			}
		}
	}
	return v
}

// downstreamChangeID versions the start of a successful build's
// downstream builds (triggers.upstream of other projects).
const downstreamChangeID = "downstream-builds"

// activityStartDownstreamBuilds is activities.HeadPoller.StartDownstreamBuilds.
const activityStartDownstreamBuilds = "StartDownstreamBuilds"

// startDownstream asks the API to start the builds whose triggers.upstream
// names this build (BuildInput.StartDownstream). Like a notification, it
// never fails the build: a failure is logged.
func (b *buildRun) startDownstream(ctx workflow.Context) {
	if !b.in.StartDownstream ||
		(!b.downstreamFolded && workflow.GetVersion(ctx, downstreamChangeID, workflow.DefaultVersion, 1) == workflow.DefaultVersion) {
		return
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 5,
		},
	})
	var res contracts.StartDownstreamResult
	err := workflow.ExecuteActivity(actx, activityStartDownstreamBuilds, contracts.StartDownstreamInput{BuildID: b.state.ID}).Get(ctx, &res)
	if err != nil {
		workflow.GetLogger(ctx).Warn("Downstream builds not started", "error", err)
		return
	}
	if res.Builds > 0 {
		workflow.GetLogger(ctx).Info("Downstream builds started", "builds", res.Builds)
	}
}
