package api

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// fakeExecution is one workflow execution known to fakeClient.
type fakeExecution struct {
	runID    string
	status   enumspb.WorkflowExecutionStatus
	query    *workflows.BuildState // nil: the query fails
	result   *workflows.BuildState
	err      error // the run's failure
	attrs    map[string]string
	closedAt time.Time
	pending  []*workflowpb.PendingActivityInfo
}

// fakeClient is a WorkflowClient over one execution per workflow ID that
// applies ID reuse and conflict policies like the server.
type fakeClient struct {
	execs    map[string]*fakeExecution
	starts   []client.StartWorkflowOptions
	inputs   []workflows.BuildInput
	canceled []string
	runs     int
}

func (f *fakeClient) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	if wf != workflows.BuildWorkflowName {
		return nil, errors.New("wrong workflow type")
	}
	f.starts = append(f.starts, o)
	if ex, ok := f.execs[o.ID]; ok {
		running := ex.status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
		if running && o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING {
			return fakeRun{runID: ex.runID}, nil
		}
		if running || o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE {
			if !o.WorkflowExecutionErrorWhenAlreadyStarted {
				return fakeRun{runID: ex.runID}, nil
			}
			return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", ex.runID)
		}
	}
	f.runs++
	f.inputs = append(f.inputs, args[0].(workflows.BuildInput))
	runID := "run-" + string(rune('0'+f.runs))
	f.execs[o.ID] = &fakeExecution{runID: runID, status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}
	return fakeRun{runID: runID}, nil
}

func (f *fakeClient) DescribeWorkflowExecution(_ context.Context, id, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	ex, ok := f.execs[id]
	if !ok || (runID != "" && runID != ex.runID) {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	fields := map[string]*commonpb.Payload{}
	for k, v := range ex.attrs {
		p, err := converter.GetDefaultDataConverter().ToPayload(v)
		if err != nil {
			return nil, err
		}
		fields[k] = p
	}
	info := &workflowpb.WorkflowExecutionInfo{
		Execution:        &commonpb.WorkflowExecution{WorkflowId: id, RunId: ex.runID},
		Status:           ex.status,
		StartTime:        timestamppb.New(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)),
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: fields},
	}
	if !ex.closedAt.IsZero() {
		info.CloseTime = timestamppb.New(ex.closedAt)
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info, PendingActivities: ex.pending}, nil
}

func (f *fakeClient) QueryWorkflow(_ context.Context, id, runID, queryType string, _ ...any) (converter.EncodedValue, error) {
	ex := f.execs[id]
	if queryType != workflows.BuildStateQuery || ex == nil || ex.runID != runID || ex.query == nil {
		return nil, errors.New("query failed: no worker")
	}
	return encodedValue{v: *ex.query}, nil
}

func (f *fakeClient) GetWorkflow(_ context.Context, id, runID string) client.WorkflowRun {
	return fakeRun{runID: runID, exec: f.execs[id]}
}

func (f *fakeClient) CancelWorkflow(_ context.Context, id, _ string) error {
	f.canceled = append(f.canceled, id)
	return nil
}

// fakeRun is a client.WorkflowRun whose Get returns its execution's outcome.
type fakeRun struct {
	client.WorkflowRun // unused methods panic
	runID              string
	exec               *fakeExecution
}

func (r fakeRun) GetRunID() string { return r.runID }

func (r fakeRun) GetWithOptions(_ context.Context, v any, o client.WorkflowRunGetOptions) error {
	if !o.DisableFollowingRuns {
		return errors.New("must not follow runs")
	}
	if r.exec.err != nil {
		return r.exec.err
	}
	return roundTrip(*r.exec.result, v)
}

type encodedValue struct{ v workflows.BuildState }

func (e encodedValue) HasValue() bool  { return true }
func (e encodedValue) Get(p any) error { return roundTrip(e.v, p) }

// roundTrip decodes a fresh copy of v into p, as a payload would be.
func roundTrip(v, p any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, p)
}

// overTheWire turns err into what a client receives: a failure decoded from
// its proto form, with payload details.
func overTheWire(err error) error {
	fc := temporal.GetDefaultFailureConverter()
	return fc.FailureToError(fc.ErrorToFailure(err))
}

func testInput() workflows.BuildInput {
	return workflows.BuildInput{Project: "demo", Repository: "https://tok:secret@git.example.com/demo.git",
		Commit: testSHA, Branch: "main", TriggeredBy: "alice",
		Plan: pipeline.Plan{Project: "demo", Stages: []pipeline.PlanStage{
			{Name: "verify", Tasks: []pipeline.PlanTask{{Name: "unit"}, {Name: "lint"}}},
			{Name: "package", Tasks: []pipeline.PlanTask{{Name: "tarball"}}},
		}}}
}

func TestTemporalBuildsStart(t *testing.T) {
	fc := &fakeClient{execs: map[string]*fakeExecution{}}
	b := &TemporalBuilds{Client: fc}
	ctx := t.Context()
	id := "build/demo/" + testSHA

	gotID, runID, existing, err := b.Start(ctx, testInput(), false)
	require.NoError(t, err)
	require.Equal(t, id, gotID)
	require.Equal(t, "run-1", runID)
	require.False(t, existing)
	o := fc.starts[0]
	require.Equal(t, workflows.TaskQueue, o.TaskQueue)
	require.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL, o.WorkflowIDConflictPolicy)
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, o.WorkflowIDReusePolicy)
	require.Equal(t, "Build demo main@0123456789ab", o.StaticSummary)
	require.Contains(t, o.StaticDetails, "1. verify: unit, lint\n2. package: tarball\n")
	require.NotContains(t, o.StaticDetails, "secret")
	for key, want := range map[string]string{workflows.SearchAttrProject: "demo", workflows.SearchAttrBranch: "main",
		workflows.SearchAttrCommit: testSHA, workflows.SearchAttrStatus: "running"} {
		got, ok := o.TypedSearchAttributes.GetKeyword(temporal.NewSearchAttributeKeyKeyword(key))
		require.True(t, ok, key)
		require.Equal(t, want, got, key)
	}

	// Running: the same run comes back, nothing new starts.
	_, runID, existing, err = b.Start(ctx, testInput(), false)
	require.NoError(t, err)
	require.True(t, existing)
	require.Equal(t, "run-1", runID)
	// A rerun of a running build is refused.
	_, _, _, err = b.Start(ctx, testInput(), true)
	require.ErrorIs(t, err, ErrBuildRunning)

	// Finished: a normal start returns the closed run, a rerun starts run 2.
	fc.execs[id].status = enumspb.WORKFLOW_EXECUTION_STATUS_FAILED
	_, runID, existing, err = b.Start(ctx, testInput(), false)
	require.NoError(t, err)
	require.True(t, existing)
	require.Equal(t, "run-1", runID)
	_, runID, existing, err = b.Start(ctx, testInput(), true)
	require.NoError(t, err)
	require.False(t, existing)
	require.Equal(t, "run-2", runID)
	last := fc.starts[len(fc.starts)-1]
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, last.WorkflowIDReusePolicy)
	require.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL, last.WorkflowIDConflictPolicy)
	require.Len(t, fc.inputs, 2)
}

func TestTemporalBuildsStartRace(t *testing.T) {
	// Another delivery of the same push started the build a moment ago: this
	// start learns that it exists and gets its run, and starts nothing.
	fc := &fakeClient{execs: map[string]*fakeExecution{}}
	fc.execs["build/demo/"+testSHA] = &fakeExecution{runID: "run-0", status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}
	b := &TemporalBuilds{Client: fc}
	_, runID, existing, err := b.Start(t.Context(), testInput(), false)
	require.NoError(t, err)
	require.True(t, existing)
	require.Equal(t, "run-0", runID)
	require.Empty(t, fc.inputs)
}

func TestTemporalBuildsState(t *testing.T) {
	live := workflows.BuildState{Status: workflows.StatusRunning, Project: "demo", Stages: []workflows.StageState{
		{Name: "verify", Status: "running", Tasks: []workflows.TaskState{
			{Name: "unit", Status: workflows.TaskSucceeded}, {Name: "lint", Status: workflows.TaskBuilding}}}}}
	failed := live
	failed.Status = workflows.StatusFailed
	cancelled := live
	cancelled.Status = workflows.StatusCancelled
	done := live
	done.Status = workflows.StatusSucceeded
	closed := time.Date(2026, 5, 1, 12, 5, 0, 0, time.UTC)
	attrs := map[string]string{workflows.SearchAttrProject: "demo", workflows.SearchAttrBranch: "main", workflows.SearchAttrCommit: "abc"}
	const (
		running    = enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
		completed  = enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
		wfFailed   = enumspb.WORKFLOW_EXECUTION_STATUS_FAILED
		canceled   = enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED
		terminated = enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED
		timedOut   = enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT
	)
	tests := []struct {
		name       string
		exec       fakeExecution
		wantStatus workflows.BuildStatus
		wantTasks  []string // statuses of verify's tasks; nil: no stages
		finished   bool
	}{
		{"running queried", fakeExecution{status: running, query: &live}, "running", []string{"succeeded", "building"}, false},
		{"running without worker", fakeExecution{status: running, attrs: attrs}, "running", nil, false},
		{"completed", fakeExecution{status: completed, result: &done, closedAt: closed}, "succeeded", []string{"succeeded", "building"}, true},
		{"failed with details", fakeExecution{status: wfFailed, closedAt: closed,
			err: overTheWire(temporal.NewApplicationError("build failed", "BuildFailed", failed))}, "failed", []string{"succeeded", "building"}, true},
		{"failed without details", fakeExecution{status: wfFailed, closedAt: closed, attrs: attrs,
			err: overTheWire(errors.New("panic"))}, "failed", nil, true},
		{"cancelled with details", fakeExecution{status: canceled, closedAt: closed,
			err: overTheWire(temporal.NewCanceledError(cancelled))}, "cancelled", []string{"succeeded", "building"}, true},
		{"terminated, replayed", fakeExecution{status: terminated, closedAt: closed, query: &live}, "cancelled", []string{"succeeded", "cancelled"}, true},
		{"timed out, no worker", fakeExecution{status: timedOut, closedAt: closed, attrs: attrs}, "failed", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := tt.exec
			ex.runID = "r1"
			fc := &fakeClient{execs: map[string]*fakeExecution{"build/demo/abc": &ex}}
			b := &TemporalBuilds{Client: fc}
			st, err := b.State(t.Context(), "build/demo/abc", "")
			require.NoError(t, err)
			require.Equal(t, "build/demo/abc", st.ID)
			require.Equal(t, "r1", st.RunID)
			require.Equal(t, tt.wantStatus, st.Status)
			require.Equal(t, "demo", st.Project)
			require.Equal(t, tt.finished, st.FinishedAt != nil)
			if tt.wantTasks == nil {
				require.Empty(t, st.Stages)
				require.Equal(t, "main", st.Branch)
				require.Equal(t, "abc", st.Commit)
				require.Equal(t, time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), st.StartedAt)
				return
			}
			var got []string
			for _, task := range st.Stages[0].Tasks {
				got = append(got, string(task.Status))
			}
			require.Equal(t, tt.wantTasks, got)
		})
	}

	fc := &fakeClient{execs: map[string]*fakeExecution{"build/demo/abc": {runID: "r1", status: running}}}
	b := &TemporalBuilds{Client: fc}
	_, err := b.State(t.Context(), "build/demo/nope", "")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = b.State(t.Context(), "build/demo/abc", "r0")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestTemporalBuildsStateShowsRunningAttempts(t *testing.T) {
	// The workflow knows its tasks scheduled; Temporal knows which attempts a
	// worker runs, and their heartbeats tell the steps' progress.
	scheduled := func(name string, attempt int) workflows.TaskState {
		return workflows.TaskState{Name: name, Status: workflows.TaskScheduled, Attempt: attempt}
	}
	lost := scheduled("retried", 2)
	lost.Error = "worker lost, retrying (1 of 10 attempts lost to infrastructure)"
	steps := scheduled("steps", 1)
	steps.Steps = []contracts.TaskStepState{{Name: "one", Status: workflows.TaskWaiting}, {Name: "two", Status: workflows.TaskWaiting}}
	live := workflows.BuildState{Status: workflows.StatusRunning, Stages: []workflows.StageState{{Name: "verify", Status: "running",
		Tasks: []workflows.TaskState{scheduled("unit", 1), scheduled("queued", 1), lost, steps, scheduled("old", 1), scheduled("done", 1)}}}}
	live.Stages[0].Tasks[5].Status = workflows.TaskSucceeded

	startedAt := time.Date(2026, 5, 1, 12, 0, 1, 0, time.UTC)
	stepStart := startedAt.Add(time.Second)
	details := func(v any) *commonpb.Payloads {
		p, err := converter.GetDefaultDataConverter().ToPayloads(v)
		require.NoError(t, err)
		return p
	}
	pa := func(id string, state enumspb.PendingActivityState, attempt int32) *workflowpb.PendingActivityInfo {
		return &workflowpb.PendingActivityInfo{ActivityId: id, ActivityType: &commonpb.ActivityType{Name: "RunTask"},
			State: state, Attempt: attempt, LastStartedTime: timestamppb.New(startedAt)}
	}
	started := enumspb.PENDING_ACTIVITY_STATE_STARTED
	withSteps := pa("verify/steps#1", started, 1)
	withSteps.HeartbeatDetails = details(contracts.TaskStarted{Stage: "verify", Task: "steps", Attempt: 1, Time: stepStart,
		Steps: []contracts.TaskStepState{{Name: "one", Status: workflows.TaskSucceeded}, {Name: "two", Status: workflows.TaskBuilding}}})
	old := pa("verify/old#1", started, 3) // retried by Temporal; an older worker heartbeats the attempt number
	old.HeartbeatDetails = details(3)
	fc := &fakeClient{execs: map[string]*fakeExecution{"build/demo/abc": {runID: "r1", status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		query: &live, pending: []*workflowpb.PendingActivityInfo{
			pa("verify/unit#1", started, 1),
			pa("verify/queued#1", enumspb.PENDING_ACTIVITY_STATE_SCHEDULED, 1),
			pa("verify/retried#1.1", started, 1),
			withSteps, old,
			pa("verify/done#1", started, 1),
			{ActivityId: "7", ActivityType: &commonpb.ActivityType{Name: "DeliverWebhook"}, State: started},
		}}}}
	st, err := (&TemporalBuilds{Client: fc}).State(t.Context(), "build/demo/abc", "")
	require.NoError(t, err)
	tasks := st.Stages[0].Tasks
	status := func(i int) workflows.TaskStatus { return tasks[i].Status }
	require.Equal(t, workflows.TaskBuilding, status(0))
	require.Equal(t, startedAt, *tasks[0].StartedAt)
	require.Equal(t, workflows.TaskScheduled, status(1), "not picked up by a worker yet")
	require.Equal(t, workflows.TaskBuilding, status(2))
	require.Empty(t, tasks[2].Error, "the lost attempt's notice ends when the next one runs")
	require.Equal(t, 2, tasks[2].Attempt)
	require.Equal(t, workflows.TaskBuilding, status(3))
	require.Equal(t, stepStart, *tasks[3].StartedAt)
	require.Equal(t, workflows.TaskBuilding, tasks[3].Steps[1].Status)
	require.Equal(t, workflows.TaskBuilding, status(4))
	require.Equal(t, 3, tasks[4].Attempt)
	require.Equal(t, workflows.TaskSucceeded, status(5), "a finished task stays finished")
}

func TestTemporalBuildsCancel(t *testing.T) {
	fc := &fakeClient{execs: map[string]*fakeExecution{
		"build/demo/run":  {runID: "r1", status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING},
		"build/demo/done": {runID: "r1", status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED},
	}}
	b := &TemporalBuilds{Client: fc}
	require.NoError(t, b.Cancel(t.Context(), "build/demo/run"))
	require.ErrorIs(t, b.Cancel(t.Context(), "build/demo/done"), ErrBuildFinished)
	require.ErrorIs(t, b.Cancel(t.Context(), "build/demo/nope"), ErrNotFound)
	require.Equal(t, []string{"build/demo/run"}, fc.canceled)
}
