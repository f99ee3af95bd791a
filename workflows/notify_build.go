package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// Commit status context of builds.
const statusContextBuild = "drover/build"

// startNotifier sets up the build's notifications (see newNotifier).
func (b *buildRun) startNotifier(ctx workflow.Context) {
	base := contracts.NotifyEvent{Kind: "build", Project: b.in.Project, Repository: b.in.Repository,
		Commit: b.in.Commit, Branch: b.in.Branch}
	resolve := newNotifier
	if b.current {
		resolve = resolveNotifier // past the "notify" change
	}
	b.notify = resolve(ctx, contracts.ResolveSinksInput{Notify: b.in.Notify, Repository: b.in.Repository}, base, notifyHooks{
		fill: func(ev *contracts.NotifyEvent) {
			ev.Status, ev.Version = string(b.state.Status), b.state.Version
			if ev.Type == EventBuildComplete {
				b.fillOutcome(ev)
			}
		},
		title: func() string {
			return fmt.Sprintf("*%s* build `%s@%s`: %s", b.in.Project, b.in.Branch, shortCommit(b.in.Commit), b.state.Status)
		},
		status: b.commitStatus,
		record: func(ev Event) {
			ev.Time = b.now()
			b.state.Events = append(b.state.Events, ev)
		},
	})
}

// commitStatus is the drover/build status: pending from the start, then
// success or failure.
func (b *buildRun) commitStatus(ev Event) (contracts.CommitStatus, bool) {
	cs := contracts.CommitStatus{Repository: b.in.Repository, Commit: b.in.Commit, Context: statusContextBuild}
	switch ev.Type {
	case EventBuildStart:
		cs.State, cs.Description = contracts.CommitStatusPending, "build running"
	case EventBuildSuccess:
		cs.State, cs.Description = contracts.CommitStatusSuccess, "build succeeded, "+ev.Message
	case EventBuildFail:
		cs.State, cs.Description = contracts.CommitStatusFailure, "build "+ev.Message
	default:
		return cs, false
	}
	return cs, true
}

// fillOutcome adds to the build's BUILD_COMPLETE what a client of the
// build (its callback URL) wants of its outcome: the tasks that ran and
// their warnings and errors, at most contracts.MaxEventAnnotations of each.
// The links to the logs are filled by the delivering activity.
func (b *buildRun) fillOutcome(ev *contracts.NotifyEvent) {
	for _, st := range b.state.Stages {
		for _, ts := range st.Tasks {
			if ts.Status == TaskSkipped || ts.Status == TaskWaiting {
				continue
			}
			ev.Tasks = append(ev.Tasks, contracts.NotifyTask{Stage: st.Name, Task: ts.Name, Status: string(ts.Status),
				Attempt: ts.Attempt, Warnings: len(ts.Warnings), Errors: len(ts.Errors)})
			for _, w := range ts.Warnings {
				if len(ev.Warnings) < contracts.MaxEventAnnotations {
					ev.Warnings = append(ev.Warnings, st.Name+"/"+ts.Name+": "+w)
				}
			}
			for _, e := range ts.Errors {
				if len(ev.Errors) < contracts.MaxEventAnnotations {
					ev.Errors = append(ev.Errors, st.Name+"/"+ts.Name+": "+e)
				}
			}
		}
	}
}
