package api

import (
	"context"
	"fmt"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/converter"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

// State returns the state of a run of build id (the latest run when runID
// is empty): queried live while it runs, its result once it succeeded, the
// details of its failure once it failed or was cancelled, and what Temporal
// knows when it was terminated or timed out.
func (b *TemporalBuilds) State(ctx context.Context, id, runID string) (workflows.BuildState, error) {
	desc, err := describe(ctx, b.Client, KindBuild, id, runID)
	if err != nil {
		return workflows.BuildState{}, err
	}
	info := desc.GetWorkflowExecutionInfo()
	runID = info.GetExecution().GetRunId()

	var state workflows.BuildState
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		if err := runResult(ctx, b.Client, id, runID, &state); err != nil {
			return workflows.BuildState{}, fmt.Errorf("result of build %s: %w", id, err)
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		runErr := runResult(ctx, b.Client, id, runID, &state)
		if !failureState(runErr, &state) {
			b.logger().WarnContext(ctx, "build failure has no state details", "build_id", id, "error", runErr)
			state = stateFromDescription(info)
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
		enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		// A worker can still answer a query of a closed run by replaying it;
		// the state it gives is the one at the moment the run was stopped.
		if err := b.query(ctx, id, runID, &state); err != nil {
			b.logger().DebugContext(ctx, "query of closed build failed", "build_id", id, "error", err)
			state = stateFromDescription(info)
		}
		closeStoppedState(&state, info)
	default: // running (or paused)
		if err := b.query(ctx, id, runID, &state); err != nil {
			if ctx.Err() != nil {
				return workflows.BuildState{}, fmt.Errorf("query build %s: %w", id, ctx.Err())
			}
			b.logger().WarnContext(ctx, "query of running build failed", "build_id", id, "error", err)
			state = stateFromDescription(info)
		}
		runningTasks(&state, desc.GetPendingActivities())
	}
	state.ID, state.RunID = id, runID
	if state.Status == "" {
		state.Status = statusOf(info.GetStatus())
	}
	if state.FinishedAt == nil && state.Status != workflows.StatusRunning {
		state.FinishedAt = closeTime(info)
	}
	return state, nil
}

// Status returns the status of a run of build id from Temporal's
// description of it, without a query: it needs no worker.
func (b *TemporalBuilds) Status(ctx context.Context, id, runID string) (string, error) {
	info, err := describeRun(ctx, b.Client, KindBuild, id, runID)
	if err != nil {
		return "", err
	}
	return string(statusOf(info.GetStatus())), nil
}

func (b *TemporalBuilds) query(ctx context.Context, id, runID string, state *workflows.BuildState) error {
	return queryState(ctx, b.Client, b.QueryTimeout, id, runID, workflows.BuildStateQuery, state)
}

// stateFromDescription is what can be told of a build without its worker:
// its identity from search attributes and its times.
func stateFromDescription(info *workflowpb.WorkflowExecutionInfo) workflows.BuildState {
	state := workflows.BuildState{
		Status: statusOf(info.GetStatus()),
		Stages: []workflows.StageState{}, Events: []workflows.Event{},
	}
	if t := info.GetStartTime(); t != nil {
		state.StartedAt = t.AsTime()
	}
	keywordAttributes(info, map[string]*string{
		workflows.SearchAttrProject: &state.Project,
		workflows.SearchAttrBranch:  &state.Branch,
		workflows.SearchAttrCommit:  &state.Commit,
	})
	return state
}

// closeStoppedState marks a run stopped from outside (terminated, timed out)
// as ended: the build and its unfinished tasks.
func closeStoppedState(state *workflows.BuildState, info *workflowpb.WorkflowExecutionInfo) {
	state.Status = statusOf(info.GetStatus())
	if closed := closeTime(info); closed != nil {
		state.FinishedAt = closed
	}
	for i := range state.Stages {
		st := &state.Stages[i]
		for j := range st.Tasks {
			switch st.Tasks[j].Status {
			case workflows.TaskSucceeded, workflows.TaskFailed, workflows.TaskCancelled:
			default:
				st.Tasks[j].Status = workflows.TaskCancelled
			}
		}
		st.Status = stageStatus(st.Tasks)
	}
}

// statusOf maps a Temporal execution status to a build status. A terminated
// run was stopped by an operator, so it counts as cancelled.
func statusOf(s enumspb.WorkflowExecutionStatus) workflows.BuildStatus {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return workflows.StatusSucceeded
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return workflows.StatusCancelled
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
		enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return workflows.StatusFailed
	default:
		return workflows.StatusRunning
	}
}

// runningTasks marks as building the scheduled tasks whose attempt a worker
// is running: RunTask activities Temporal describes as started. The attempt
// tells its progress (start time, steps) in its heartbeats' details rather
// than by signalling the workflow, which would cost a workflow task per task.
func runningTasks(state *workflows.BuildState, pending []*workflowpb.PendingActivityInfo) {
	for _, pa := range pending {
		if pa.GetActivityType().GetName() != workflows.ActivityRunTask || pa.GetState() != enumspb.PENDING_ACTIVITY_STATE_STARTED {
			continue
		}
		// Activity IDs are "<stage>/<task>#<try>" or "…#<try>.<lost>".
		i := strings.LastIndex(pa.GetActivityId(), "#")
		if i < 0 {
			continue
		}
		ts := stateTask(state, pa.GetActivityId()[:i])
		if ts == nil || (ts.Status != workflows.TaskScheduled && ts.Status != workflows.TaskBuilding) {
			continue
		}
		if ts.Status == workflows.TaskScheduled {
			// The workflow counts the attempt it scheduled; Temporal's own
			// retries of the activity (builds from before infra-retry) add to it.
			ts.Attempt += max(int(pa.GetAttempt())-1, 0)
			if t := pa.GetLastStartedTime(); t != nil {
				started := t.AsTime().UTC()
				ts.StartedAt = &started
			}
			// A new attempt runs: a lost one's "retrying" is over.
			ts.Status, ts.Error = workflows.TaskBuilding, ""
		}
		var ev contracts.TaskStarted
		if pa.GetHeartbeatDetails() == nil || converter.GetDefaultDataConverter().FromPayloads(pa.GetHeartbeatDetails(), &ev) != nil ||
			ev.Attempt < ts.Attempt || ev.Stage == "" {
			continue // no heartbeat yet, or one of a worker from before progress was heartbeated
		}
		if !ev.Time.IsZero() {
			started := ev.Time.UTC()
			ts.StartedAt = &started
		}
		if stepsProgress(ev.Steps) >= stepsProgress(ts.Steps) {
			ts.Steps = ev.Steps
		}
	}
}

// stateTask is the task "<stage>/<task>" of state, or nil.
func stateTask(state *workflows.BuildState, key string) *workflows.TaskState {
	for _, st := range state.Stages {
		if name, ok := strings.CutPrefix(key, st.Name+"/"); ok {
			if ts := state.Task(st.Name, name); ts != nil {
				return ts
			}
		}
	}
	return nil
}

// stepsProgress counts the steps an attempt has started; -1 for none.
func stepsProgress(steps []contracts.TaskStepState) int {
	if len(steps) == 0 {
		return -1
	}
	n := 0
	for _, st := range steps {
		if st.Status != workflows.TaskWaiting {
			n++
		}
	}
	return n
}
