package api

import (
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// stateFromHistory rebuilds the state of a build Temporal no longer knows
// from what the ledger recorded. Events, output tails and artifacts are not
// in the ledger, so they stay empty.
func stateFromHistory(b ledger.Build, tasks []ledger.Task) workflows.BuildState {
	state := workflows.BuildState{
		ID: b.ID, RunID: b.RunID, Project: b.Project, Repository: gitsource.Redact(b.Repository), Commit: b.Commit,
		Branch: b.Branch, TriggeredBy: b.TriggeredBy, Rerun: b.Rerun, Status: workflows.BuildStatus(b.Status),
		StartedAt: b.StartedAt, FinishedAt: b.FinishedAt, Version: b.Version,
		Stages: []workflows.StageState{}, Events: []workflows.Event{},
	}
	// Tasks come ordered by stage index then task index.
	last := -1
	for _, t := range tasks {
		if t.StageIndex != last || len(state.Stages) == 0 {
			state.Stages = append(state.Stages, workflows.StageState{Name: t.Stage})
			last = t.StageIndex
		}
		st := &state.Stages[len(state.Stages)-1]
		st.Tasks = append(st.Tasks, workflows.TaskState{
			Name: t.Name, Status: workflows.TaskStatus(t.Status), Attempt: t.Attempt, ExitCode: t.ExitCode,
			StartedAt: t.StartedAt, FinishedAt: t.FinishedAt, Error: t.Error, LogKey: t.LogKey,
		})
	}
	for i := range state.Stages {
		state.Stages[i].Status = stageStatus(state.Stages[i].Tasks)
	}
	return state
}

// stageStatus sums up the statuses of a stage's tasks: the least successful
// finished status wins, then running while any task is under way.
func stageStatus(tasks []workflows.TaskState) workflows.StageStatus {
	var failed, cancelled, succeeded, waiting int
	for _, t := range tasks {
		switch t.Status {
		case workflows.TaskFailed:
			failed++
		case workflows.TaskCancelled:
			cancelled++
		case workflows.TaskSucceeded:
			succeeded++
		case workflows.TaskWaiting, "":
			waiting++
		}
	}
	switch {
	case failed > 0:
		return workflows.StageFailed
	case cancelled > 0:
		return workflows.StageCancelled
	case succeeded == len(tasks):
		return workflows.StageSucceeded
	case waiting == len(tasks):
		return workflows.StageWaiting
	default:
		return workflows.StageRunning
	}
}

// findTask returns the stage and state of a task; with an empty stage the
// task name must be unique in the build. ok is false when no task matches,
// ambiguous is true when several stages hold the name.
func findTask(state workflows.BuildState, stage, task string) (stageName string, ts workflows.TaskState, ok, ambiguous bool) {
	for _, st := range state.Stages {
		if stage != "" && st.Name != stage {
			continue
		}
		for _, t := range st.Tasks {
			if t.Name != task {
				continue
			}
			if ok {
				return "", workflows.TaskState{}, false, true
			}
			stageName, ts, ok = st.Name, t, true
		}
	}
	return stageName, ts, ok, false
}
