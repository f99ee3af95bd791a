package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// testPlan builds a plan from stages given as name → task names.
func testPlan(stages ...pipeline.PlanStage) pipeline.Plan {
	for si := range stages {
		for ti := range stages[si].Tasks {
			t := &stages[si].Tasks[ti]
			t.Stage = stages[si].Name
			if t.Run == "" {
				t.Run = "true"
			}
			if t.Timeout == 0 {
				t.Timeout = time.Minute
			}
		}
	}
	return pipeline.Plan{Project: "demo", Stages: stages}
}

func stage(name string, failFast bool, tasks ...pipeline.PlanTask) pipeline.PlanStage {
	return pipeline.PlanStage{Name: name, FailFast: failFast, Tasks: tasks}
}

func task(name string, retries int) pipeline.PlanTask {
	return pipeline.PlanTask{Name: name, Retries: retries}
}

type buildEnv struct {
	env    *testsuite.TestWorkflowEnvironment
	tasks  *fakeTasks
	ledger *fakeLedger
}

func newBuildEnv(t *testing.T, script map[string][]string) *buildEnv {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	be := &buildEnv{env: env, tasks: newFakeTasks(script), ledger: &fakeLedger{}}
	env.RegisterWorkflowWithOptions(Build, workflow.RegisterOptions{Name: BuildWorkflowName})
	env.RegisterActivityWithOptions(be.tasks.RunTask, activity.RegisterOptions{Name: activityRunTask})
	env.RegisterActivityWithOptions(be.ledger.RecordBuildStarted, activity.RegisterOptions{Name: activityRecordBuildStarted})
	env.RegisterActivityWithOptions(be.ledger.RecordBuildFinished, activity.RegisterOptions{Name: activityRecordBuildFinished})
	return be
}

func (be *buildEnv) run(t *testing.T, plan pipeline.Plan) (BuildState, error) {
	be.env.ExecuteWorkflow(BuildWorkflowName, BuildInput{
		Project: "demo", Repository: "/src/demo", Commit: "0123456789abcdef0123", Branch: "main",
		Plan: plan, HeartbeatTimeout: time.Second, InfraRetries: 3,
	})
	require.True(t, be.env.IsWorkflowCompleted())
	var state BuildState
	err := be.env.GetWorkflowError()
	if err == nil {
		require.NoError(t, be.env.GetWorkflowResult(&state))
		return state, nil
	}
	var appErr *temporal.ApplicationError
	var canceled *temporal.CanceledError
	switch {
	case errors.As(err, &appErr):
		require.NoError(t, appErr.Details(&state))
	case errors.As(err, &canceled):
		require.NoError(t, canceled.Details(&state))
	default:
		t.Fatalf("unexpected workflow error: %v", err)
	}
	return state, err
}

func taskStatuses(s BuildState) map[string]TaskStatus {
	out := map[string]TaskStatus{}
	for _, st := range s.Stages {
		for _, t := range st.Tasks {
			out[st.Name+"/"+t.Name] = t.Status
		}
	}
	return out
}

func eventTypes(s BuildState, task string) []string {
	var out []string
	for _, e := range s.Events {
		if task == "" || e.Stage+"/"+e.Task == task {
			out = append(out, e.Type)
		}
	}
	return out
}

func TestBuildRunsStagesInOrderAndTasksInParallel(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{
		"verify/unit": {outcomeGate}, "verify/lint": {outcomeGate}, "verify/vet": {outcomeGate},
	})
	be.tasks.gateSize = 3
	state, err := be.run(t, testPlan(
		stage("verify", false, task("unit", 0), task("lint", 0), task("vet", 0)),
		stage("package", false, task("tarball", 0)),
	))
	require.NoError(t, err)
	require.Equal(t, StatusSucceeded, state.Status)
	require.Equal(t, map[string]TaskStatus{
		"verify/unit": TaskSucceeded, "verify/lint": TaskSucceeded, "verify/vet": TaskSucceeded,
		"package/tarball": TaskSucceeded,
	}, taskStatuses(state))

	// package starts only after every verify task started (and finished).
	var order []string
	for range 4 {
		order = append(order, <-be.tasks.started)
	}
	require.Equal(t, "package/tarball", order[3])

	types := eventTypes(state, "")
	require.Equal(t, EventBuildStart, types[0])
	require.Equal(t, []string{EventBuildSuccess, EventArtifactAvailable, EventBuildComplete}, types[len(types)-3:])
	require.Empty(t, state.PromotionID, "no promotion defined, none started")
	require.Equal(t, []string{EventTaskStart, EventTaskSuccess, EventTaskComplete}, eventTypes(state, "package/tarball"))

	require.Equal(t, "0123456789ab", state.Version)
	require.Len(t, be.ledger.started, 1)
	require.Equal(t, string(StatusRunning), be.ledger.started[0].Status)
	require.Len(t, be.ledger.finished, 1)
	fin := be.ledger.finished[0]
	require.Equal(t, string(StatusSucceeded), fin.Build.Status)
	require.Len(t, fin.Tasks, 4)
	require.NotNil(t, fin.Version)
	require.Len(t, fin.Version.Artifacts, 4)
	require.Equal(t, 1, state.Stages[1].Tasks[0].Attempt)
	require.Equal(t, "output of package/tarball", state.Stages[1].Tasks[0].OutputTail)
}

func TestBuildFailedTaskFailsBuildAfterItsStage(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeFail}})
	state, err := be.run(t, testPlan(
		stage("verify", false, task("unit", 0), task("lint", 0)),
		stage("package", false, task("tarball", 0)),
	))
	require.Error(t, err)
	require.Contains(t, err.Error(), "verify/unit")
	require.Equal(t, StatusFailed, state.Status)
	require.Equal(t, map[string]TaskStatus{
		"verify/unit": TaskFailed, "verify/lint": TaskSucceeded, "package/tarball": TaskSkipped,
	}, taskStatuses(state))
	require.Equal(t, 1, *state.Stages[0].Tasks[0].ExitCode)
	require.Equal(t, 0, be.tasks.callCount("package/tarball"))
	require.Equal(t, []string{EventBuildFail, EventBuildComplete}, eventTypes(state, "")[len(state.Events)-2:])
	require.Equal(t, string(StatusFailed), state.Events[len(state.Events)-1].Message)
	require.Equal(t, string(StatusFailed), be.ledger.finished[0].Build.Status)
	require.Nil(t, be.ledger.finished[0].Version, "a failed build registers no version")
}

func TestBuildFailFastCancelsTheStage(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeFail}, "verify/slow": {outcomeBlock}})
	state, err := be.run(t, testPlan(stage("verify", true, task("unit", 0), task("slow", 0))))
	require.Error(t, err)
	require.Equal(t, StatusFailed, state.Status)
	require.Equal(t, map[string]TaskStatus{"verify/unit": TaskFailed, "verify/slow": TaskCancelled}, taskStatuses(state))
}

func TestBuildWithoutFailFastWaitsForTheStage(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeFail}})
	state, _ := be.run(t, testPlan(stage("verify", false, task("unit", 0), task("other", 0))))
	require.Equal(t, TaskSucceeded, taskStatuses(state)["verify/other"])
}

func TestBuildRetriesAFailedTask(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/flaky": {outcomeFail, outcomeFail, outcomeOK}})
	state, err := be.run(t, testPlan(stage("verify", false, task("flaky", 2))))
	require.NoError(t, err)
	ts := state.Stages[0].Tasks[0]
	require.Equal(t, TaskSucceeded, ts.Status)
	require.Equal(t, 3, ts.Attempt)
	require.Equal(t, []string{EventTaskStart, EventTaskFail, EventTaskStart, EventTaskFail, EventTaskStart, EventTaskSuccess, EventTaskComplete},
		eventTypes(state, "verify/flaky"))
	require.Contains(t, state.Events[2].Message, "retrying")
}

func TestBuildGivesUpWhenRetriesAreSpent(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/broken": {outcomeFail}})
	state, err := be.run(t, testPlan(stage("verify", false, task("broken", 1))))
	require.Error(t, err)
	require.Equal(t, 2, be.tasks.callCount("verify/broken"))
	require.Equal(t, 2, state.Stages[0].Tasks[0].Attempt)
	require.Equal(t, TaskFailed, state.Stages[0].Tasks[0].Status)
}

func TestBuildRetriesInfrastructureFailuresWithoutSpendingRetries(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeInfra, outcomeOK}})
	state, err := be.run(t, testPlan(stage("verify", false, task("unit", 0))))
	require.NoError(t, err)
	require.Equal(t, TaskSucceeded, state.Stages[0].Tasks[0].Status)
	require.Equal(t, 2, state.Stages[0].Tasks[0].Attempt, "the second attempt took the task over")
}

func TestBuildFailsWhenInfrastructureNeverRecovers(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeInfra}})
	state, err := be.run(t, testPlan(stage("verify", false, task("unit", 5))))
	require.Error(t, err)
	require.Equal(t, 3, be.tasks.callCount("verify/unit"), "InfraRetries bounds the attempts; script retries are not used")
	require.Contains(t, state.Stages[0].Tasks[0].Error, "checkout failed")
}

func TestBuildCancelKillsRunningTasks(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/slow": {outcomeBlock}})
	be.env.RegisterDelayedCallback(func() { be.env.CancelWorkflow() }, 5*time.Second)
	state, err := be.run(t, testPlan(
		stage("verify", false, task("slow", 0)),
		stage("package", false, task("tarball", 0)),
	))
	var canceled *temporal.CanceledError
	require.ErrorAs(t, err, &canceled)
	require.Equal(t, StatusCancelled, state.Status)
	require.Equal(t, map[string]TaskStatus{"verify/slow": TaskCancelled, "package/tarball": TaskSkipped}, taskStatuses(state))
	require.Equal(t, string(StatusCancelled), be.ledger.finished[0].Build.Status)
}

func TestBuildQueryShowsTheLiveLifecycle(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/slow": {outcomeBlock}})
	query := func() BuildState {
		v, err := be.env.QueryWorkflow(BuildStateQuery)
		require.NoError(t, err)
		var s BuildState
		require.NoError(t, v.Get(&s))
		return s
	}
	var scheduled, building BuildState
	be.env.RegisterDelayedCallback(func() {
		scheduled = query()
		be.env.SignalWorkflow(contracts.TaskStartedSignal, contracts.TaskStarted{Stage: "verify", Task: "slow", Attempt: 1, Time: time.Now()})
	}, time.Second)
	be.env.RegisterDelayedCallback(func() {
		building = query()
		be.env.CancelWorkflow()
	}, 2*time.Second)
	_, _ = be.run(t, testPlan(stage("verify", false, task("slow", 0)), stage("package", false, task("tarball", 0))))

	require.Equal(t, StatusRunning, scheduled.Status)
	require.Equal(t, TaskScheduled, scheduled.Stages[0].Tasks[0].Status)
	require.Equal(t, 1, scheduled.Stages[0].Tasks[0].Attempt)
	require.Equal(t, TaskWaiting, scheduled.Stages[1].Tasks[0].Status)
	require.Equal(t, TaskBuilding, building.Stages[0].Tasks[0].Status)
	require.NotNil(t, building.Stages[0].Tasks[0].StartedAt)
}

func TestTaskQueueFor(t *testing.T) {
	require.Equal(t, "drover", TaskQueueFor(nil))
	require.Equal(t, "drover-gpu", TaskQueueFor([]string{"gpu"}))
	require.Equal(t, "drover-gpu+linux", TaskQueueFor([]string{"gpu", "linux"}))
}

func TestBuildStartsThePromotionOfItsVersion(t *testing.T) {
	be := newBuildEnv(t, nil)
	var got PromotionInput
	be.env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in PromotionInput) (PromotionState, error) {
		got = in
		return PromotionState{}, nil
	}, workflow.RegisterOptions{Name: PromotionWorkflowName})
	be.env.ExecuteWorkflow(BuildWorkflowName, BuildInput{
		Project: "demo", Repository: "/src/demo", Commit: "0123456789abcdef0123", Branch: "main",
		TriggeredBy: "alice", RegisteredBy: []string{"github:mallory"},
		Plan:      testPlan(stage("package", false, task("tarball", 0))),
		Promotion: &pipeline.Promotion{Environments: []pipeline.Environment{{Name: "dev", Deploy: pipeline.Deploy{Shell: "true"}}}},
	})
	require.NoError(t, be.env.GetWorkflowError())
	var state BuildState
	require.NoError(t, be.env.GetWorkflowResult(&state))
	require.Equal(t, contracts.PromotionID("demo", "0123456789ab"), state.PromotionID)
	require.Equal(t, "0123456789ab", got.Version)
	require.Equal(t, "alice", got.TriggeredBy)
	require.Equal(t, []string{"github:mallory"}, got.RegisteredBy, "those the build credits besides its trigger")
	require.Equal(t, state.ID, got.BuildID)
	require.Len(t, got.Environments, 1)
	require.Len(t, got.Artifacts, 1)
	require.Equal(t, "artifacts/package/tarball", got.Artifacts[0].Key)
}

func TestBuildSaysWhileTheLedgerIsUnreachable(t *testing.T) {
	tests := []struct {
		name     string
		down     int // failed writes before the ledger answers
		wantSays bool
	}{
		{name: "ledger answers", down: 0},
		{name: "one failed write, retried at once", down: 1},
		{name: "ledger down for minutes", down: 12, wantSays: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBuildEnv(t, nil)
			be.ledger.down = tt.down
			var during BuildState
			be.env.RegisterDelayedCallback(func() {
				v, err := be.env.QueryWorkflow(BuildStateQuery)
				require.NoError(t, err)
				require.NoError(t, v.Get(&during))
			}, LedgerSlowAfter+time.Second)
			state, err := be.run(t, testPlan(stage("verify", false, task("unit", 0))))
			require.NoError(t, err)
			require.Equal(t, StatusSucceeded, state.Status)
			require.Empty(t, state.Ledger, "the notice goes once the ledger answers")
			require.Len(t, be.ledger.started, 1)
			if tt.wantSays {
				require.Equal(t, LedgerUnreachable, during.Ledger)
				require.Equal(t, StatusRunning, during.Status)
				require.Equal(t, TaskWaiting, during.Stages[0].Tasks[0].Status, "no task runs before the build is recorded")
			} else {
				require.Empty(t, during.Ledger)
			}
		})
	}
}

func TestBuildCancelledWhileTheLedgerIsDownSaysNothingOfIt(t *testing.T) {
	be := newBuildEnv(t, nil)
	be.ledger.down = 1000
	be.env.RegisterDelayedCallback(be.env.CancelWorkflow, LedgerSlowAfter/2)
	state, err := be.run(t, testPlan(stage("verify", false, task("unit", 0))))
	require.Error(t, err)
	require.Equal(t, StatusCancelled, state.Status)
	require.Empty(t, state.Ledger)
	require.Zero(t, be.tasks.callCount("verify/unit"))
}

func TestBuildReusesTheTasksItIsGiven(t *testing.T) {
	be := newBuildEnv(t, nil)
	lint := contracts.TaskState{Name: "lint", Status: TaskSucceeded, Attempt: 2, LogKey: "builds/demo/run-1/verify/lint.log",
		Artifacts: []contracts.ArtifactRef{{Name: "report", Path: "report.txt", Key: "artifacts/run-1/verify/lint/report", SHA256: "ab", Size: 2}}}
	be.env.ExecuteWorkflow(BuildWorkflowName, BuildInput{
		Project: "demo", Repository: "/src/demo", Commit: "0123456789abcdef0123", Branch: "main", Rerun: true,
		Plan: testPlan(
			stage("verify", false, task("unit", 0), task("lint", 0)),
			stage("package", false, task("tarball", 0)),
		),
		RerunOf: "run-1",
		Reuse:   map[string]contracts.TaskState{"verify/lint": lint, "verify/gone": {Name: "gone", Status: TaskSucceeded}},
	})
	require.NoError(t, be.env.GetWorkflowError())
	var state BuildState
	require.NoError(t, be.env.GetWorkflowResult(&state))

	require.Equal(t, StatusSucceeded, state.Status)
	require.Equal(t, "run-1", state.RerunOf)
	require.Equal(t, 0, be.tasks.callCount("verify/lint"), "a reused task does not run")
	require.Equal(t, 1, be.tasks.callCount("verify/unit"))
	require.Equal(t, 1, be.tasks.callCount("package/tarball"))
	got := state.Stages[0].Tasks[1]
	require.Equal(t, TaskSucceeded, got.Status)
	require.Equal(t, "run-1", got.ReusedFrom)
	require.Equal(t, lint.LogKey, got.LogKey, "its log is the run's that ran it")
	require.Equal(t, 2, got.Attempt)
	require.Empty(t, state.Stages[0].Tasks[0].ReusedFrom)
	require.Empty(t, eventTypes(state, "verify/lint"), "a reused task emits nothing")
	require.Equal(t, "0123456789ab", state.Version, "the re-run registers the version as any success")
	require.NotNil(t, be.ledger.finished[0].Version)
	require.Contains(t, be.ledger.finished[0].Version.Artifacts, ledger.Artifact{Name: "report", Path: "report.txt",
		Key: lint.Artifacts[0].Key, SHA256: "ab", Size: 2}, "the reused artifacts are the version's")
}

func TestBuildReusingEveryTaskOfAStageStillRunsTheNext(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"package/tarball": {outcomeFail}})
	ok := contracts.TaskState{Status: TaskSucceeded, ReusedFrom: "run-0"}
	be.env.ExecuteWorkflow(BuildWorkflowName, BuildInput{
		Project: "demo", Repository: "/src/demo", Commit: "0123456789abcdef0123",
		Plan:    testPlan(stage("verify", false, task("unit", 0)), stage("package", false, task("tarball", 0))),
		RerunOf: "run-1", Reuse: map[string]contracts.TaskState{"verify/unit": ok},
	})
	require.Error(t, be.env.GetWorkflowError())
	require.Equal(t, 0, be.tasks.callCount("verify/unit"))
	require.Equal(t, 1, be.tasks.callCount("package/tarball"))
	fin := be.ledger.finished[0]
	require.Equal(t, string(StatusFailed), fin.Build.Status)
	require.Equal(t, string(TaskSucceeded), fin.Tasks[0].Status)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, be.env.GetWorkflowError(), &appErr)
	var state BuildState
	require.NoError(t, appErr.Details(&state))
	require.Equal(t, "run-0", state.Stages[0].Tasks[0].ReusedFrom, "a task reused twice names the run that ran it")
	require.Equal(t, StageSucceeded, state.Stages[0].Status)
}
