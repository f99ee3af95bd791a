package contracts

import (
	"time"

	"github.com/drover-ci/drover/pipeline"
)

// BuildStatus is the status of a build (BuildState.Status).
type BuildStatus string

// Build statuses.
const (
	StatusRunning   BuildStatus = "running"
	StatusSucceeded BuildStatus = "succeeded"
	StatusFailed    BuildStatus = "failed"
	StatusCancelled BuildStatus = "cancelled"
)

// StageStatus is the status of a stage (StageState.Status).
type StageStatus string

// Stage statuses: a stage waits, runs, and ends as its build does, or is
// skipped when an earlier stage failed.
const (
	StageWaiting   StageStatus = "waiting"
	StageRunning   StageStatus = "running"
	StageSucceeded StageStatus = "succeeded"
	StageFailed    StageStatus = "failed"
	StageCancelled StageStatus = "cancelled"
	StageSkipped   StageStatus = "skipped"
)

// TaskStatus is the status of a task (TaskState.Status) or of a step of one
// (TaskStepState.Status).
type TaskStatus string

// Task statuses.
const (
	TaskWaiting   TaskStatus = "waiting"
	TaskReady     TaskStatus = "ready"
	TaskScheduled TaskStatus = "scheduled"
	TaskBuilding  TaskStatus = "building"
	TaskSucceeded TaskStatus = "succeeded"
	TaskFailed    TaskStatus = "failed"
	TaskCancelled TaskStatus = "cancelled"
	// TaskSkipped is the status of a task whose stage never ran.
	TaskSkipped TaskStatus = "skipped"
)

// Event types a build emits.
const (
	EventBuildStart   = "BUILD_START"
	EventTaskStart    = "TASK_START"
	EventTaskSuccess  = "TASK_SUCCESS"
	EventTaskFail     = "TASK_FAIL"
	EventBuildSuccess = "BUILD_SUCCESS"
	EventBuildFail    = "BUILD_FAIL"
	// EventTaskComplete follows every task's last outcome (succeeded,
	// failed, cancelled), EventBuildComplete every build's; their Message
	// is the outcome. Sinks get them only when they ask for them by name
	// (pipeline.OptInEvents).
	EventTaskComplete  = "TASK_COMPLETE"
	EventBuildComplete = "BUILD_COMPLETE"
)

// Events a run records about its notifications. They are never sent to sinks.
const (
	// EventSinkDelivered: a sink took an event; Message is "<sink> <event>".
	EventSinkDelivered = "SINK_DELIVERED"
	// EventSinkFailed: a sink refused an event for good; Message is "<sink> <event>: <error>".
	EventSinkFailed = "SINK_FAILED"
)

// Event is one entry in a run's event list.
type Event struct {
	Type    string    `json:"type"`
	Time    time.Time `json:"time"`
	Stage   string    `json:"stage,omitempty"`
	Task    string    `json:"task,omitempty"`
	Attempt int       `json:"attempt,omitempty"`
	Message string    `json:"message,omitempty"`
}

// BuildState is the live state of a build, returned by BuildStateQuery and,
// once the build ends, as its result (also as the details of its failure).
type BuildState struct {
	ID          string `json:"id"`
	RunID       string `json:"run_id"`
	Project     string `json:"project"`
	Repository  string `json:"repository"`
	Commit      string `json:"commit"`
	Branch      string `json:"branch,omitempty"`
	TriggeredBy string `json:"triggered_by,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Author      string `json:"author,omitempty"`
	Rerun       bool   `json:"rerun,omitempty"`
	// Inputs are the values of the build's inputs (drover.yaml inputs:),
	// sorted by name.
	Inputs []pipeline.EnvVar `json:"inputs,omitempty"`
	// RerunOf is the run this one re-runs (POST /api/v1/builds/{id}/rerun),
	// reusing some of its tasks; empty otherwise.
	RerunOf string `json:"rerun_of,omitempty"`
	// Upstream is the build upstream of this one (BuildInput.Upstream).
	Upstream   *Upstream    `json:"upstream,omitempty"`
	Status     BuildStatus  `json:"status"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt *time.Time   `json:"finished_at,omitempty"`
	Stages     []StageState `json:"stages"`
	Events     []Event      `json:"events"`
	// Version is the artifact version registered when the build succeeded.
	Version string `json:"version,omitempty"`
	// PromotionID is the promotion the build started, if any.
	PromotionID string `json:"promotion_id,omitempty"`
	// Downstream are the builds whose upstream build is this one, read
	// from the ledger by the API (GET /api/v1/builds/{id}); the workflow
	// never sets them.
	Downstream []Downstream `json:"downstream,omitempty"`
	// Ledger is set while a write to the ledger has been retried for
	// workflows.LedgerSlowAfter (workflows.LedgerUnreachable): the build
	// waits for it.
	Ledger string `json:"ledger,omitempty"`
}

// Task is the task name of stage in the state, or nil.
func (s *BuildState) Task(stage, name string) *TaskState {
	for si := range s.Stages {
		if s.Stages[si].Name != stage {
			continue
		}
		for ti := range s.Stages[si].Tasks {
			if s.Stages[si].Tasks[ti].Name == name {
				return &s.Stages[si].Tasks[ti]
			}
		}
	}
	return nil
}

// StageState is the live state of one stage.
type StageState struct {
	Name   string      `json:"name"`
	Status StageStatus `json:"status"`
	Tasks  []TaskState `json:"tasks"`
	// From names the stage template the stage came from (the plan's
	// pipeline.PlanStage.From); empty for a stage of drover.yaml itself.
	From string `json:"from,omitempty"`
}

// TaskState is the live state of one task.
type TaskState struct {
	Name       string        `json:"name"`
	Status     TaskStatus    `json:"status"`
	Attempt    int           `json:"attempt"`
	ExitCode   *int          `json:"exit_code,omitempty"`
	StartedAt  *time.Time    `json:"started_at,omitempty"`
	FinishedAt *time.Time    `json:"finished_at,omitempty"`
	Error      string        `json:"error,omitempty"`
	LogKey     string        `json:"log_key,omitempty"`
	OutputTail string        `json:"output_tail,omitempty"`
	Artifacts  []ArtifactRef `json:"artifacts,omitempty"`
	// Steps are the task's steps (drover.yaml steps) in order; empty for a
	// task with a plain run script.
	Steps []TaskStepState `json:"steps,omitempty"`
	// From names the template the task came from (pipeline.PlanTask.From).
	From string `json:"from,omitempty"`
	// ReusedFrom is the run (of the same build) whose success this task
	// reuses, with its log and artifacts, instead of running again; empty
	// when the task ran in this run.
	ReusedFrom string `json:"reused_from,omitempty"`
	// Warnings and Errors are what the task's last attempt printed as
	// "::warning::message" and "::error::message" lines (see
	// RunTaskResult.Warnings).
	Warnings []string `json:"warnings,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// TaskStepState is the state of one step of a task's attempt. Its status is
// TaskWaiting, TaskBuilding, TaskSucceeded, TaskFailed, TaskSkipped (an
// earlier step failed) or TaskCancelled. Its section of the task's log starts
// with the line "=== step <n>/<count> <name> ===".
type TaskStepState struct {
	Name       string        `json:"name"`
	Status     TaskStatus    `json:"status"`
	ExitCode   *int          `json:"exit_code,omitempty"`
	StartedAt  *time.Time    `json:"started_at,omitempty"`
	FinishedAt *time.Time    `json:"finished_at,omitempty"`
	Duration   time.Duration `json:"duration,omitempty"`
}

// ReuseKey is the key of a task in a BuildInput's Reuse: "stage/task".
func ReuseKey(stage, task string) string { return stage + "/" + task }

// TaskStarted is the payload of TaskStartedSignal.
type TaskStarted struct {
	Stage   string    `json:"stage"`
	Task    string    `json:"task"`
	Attempt int       `json:"attempt"`
	Time    time.Time `json:"time"`
	// Steps, for a task with steps, is the attempt's progress: sent again as
	// each step that runs long enough starts.
	Steps []TaskStepState `json:"steps,omitempty"`
}

// RunTaskInput is one attempt (or series of infrastructure retries) of a
// task: the input of the RunTask activity.
type RunTaskInput struct {
	BuildID    string            `json:"build_id"`
	RunID      string            `json:"run_id"`
	Project    string            `json:"project"`
	Repository string            `json:"repository"`
	Commit     string            `json:"commit"`
	Branch     string            `json:"branch,omitempty"`
	Task       pipeline.PlanTask `json:"task"`
	// PriorAttempts counts attempts made by earlier activity executions of
	// this task; the attempt number is PriorAttempts + the activity's attempt.
	PriorAttempts int `json:"prior_attempts"`
	// SecretsAllowed is true when the build's branch may receive the
	// project's secrets (see the Build's input); false gives the task none.
	SecretsAllowed bool `json:"secrets_allowed,omitempty"`
	// Needs are the artifacts of earlier tasks that the task needs
	// (PlanTask.Needs), as those tasks stored them; each is downloaded to
	// its Path in the workspace and checked against its SHA256 before the
	// script runs. Name is "<stage>/<task>/<artifact>"; a need whose task
	// stored no such artifact has no Key.
	Needs []ArtifactRef `json:"needs,omitempty"`
	// Version is the version the build registers if it succeeds, for the
	// {version} of push steps; empty in builds started before it.
	Version string `json:"version,omitempty"`
}

// RunTaskResult is the outcome of a task attempt. It is also the details of
// a TaskFailed or TaskTimedOut error.
type RunTaskResult struct {
	Attempt    int           `json:"attempt"`
	ExitCode   int           `json:"exit_code"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"`
	Duration   time.Duration `json:"duration"`
	LogKey     string        `json:"log_key"`
	// OutputTail is the last 4 KiB of the task's output.
	OutputTail string        `json:"output_tail"`
	Artifacts  []ArtifactRef `json:"artifacts,omitempty"`
	// Steps are the outcomes of the task's steps, for a task with steps.
	Steps []TaskStepState `json:"steps,omitempty"`
	// Warnings and Errors are the messages of the lines the attempt
	// printed as "::warning::message" and "::error::message" (GitHub
	// Actions' workflow commands; "::warning file=F,line=L::message" gives
	// "F:L: message"), in order, secrets masked: at most MaxAnnotations of
	// each, each at most MaxAnnotationLength bytes.
	Warnings []string `json:"warnings,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// MaxAnnotations is how many warnings (and how many errors) a task attempt
// keeps; later ones are only in its log.
const MaxAnnotations = 100

// MaxAnnotationLength is the longest warning or error message kept, in
// bytes; a longer one is cut and ends in "…".
const MaxAnnotationLength = 1000

// ArtifactRef points to an artifact in the blob store.
type ArtifactRef struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// SourceRepository and SourceVersion say what the artifact was built
	// from, for a version of several artifacts built apart (registered
	// through POST /api/v1/artifacts); empty when not given.
	SourceRepository string `json:"source_repository,omitempty"`
	SourceVersion    string `json:"source_version,omitempty"`
}

// PollInput starts a Poll: the project and the repository whose branch
// heads it checks.
type PollInput struct {
	Project    string `json:"project"`
	Repository string `json:"repository"`
}

// StartMissingBuildsInput names the repository whose branch heads a Poll
// looks at: the input of the StartMissingBuilds activity.
type StartMissingBuildsInput struct {
	Project    string `json:"project"`
	Repository string `json:"repository"`
}

// StartMissingBuildsResult counts what a poll found: the branch heads
// listed, the builds it started and the heads that already had a build.
// Skipped heads have no usable drover.yaml (the API answered 400). It is
// the result of a Poll too.
type StartMissingBuildsResult struct {
	Heads    int `json:"heads"`
	Started  int `json:"started"`
	Existing int `json:"existing"`
	Skipped  int `json:"skipped,omitempty"`
}

// How a build has an upstream build (Upstream.Kind).
const (
	// UpstreamPush: a push step of the upstream build made the build's commit.
	UpstreamPush = "push"
	// UpstreamTrigger: the upstream build's success started the build
	// (triggers.upstream of its drover.yaml).
	UpstreamTrigger = "trigger"
)

// Upstream is the build upstream of a build in a chain across repositories.
type Upstream struct {
	BuildID string `json:"build_id"`
	Project string `json:"project"`
	Commit  string `json:"commit,omitempty"`
	Branch  string `json:"branch,omitempty"`
	// Kind is UpstreamPush or UpstreamTrigger.
	Kind string `json:"kind"`
	// Step names the push step, "<stage>/<task>/<step>", for UpstreamPush.
	Step string `json:"step,omitempty"`
}

// Downstream is a build downstream of another (BuildState.Downstream).
type Downstream struct {
	BuildID string `json:"build_id"`
	Project string `json:"project"`
	Commit  string `json:"commit"`
	Branch  string `json:"branch,omitempty"`
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
	// Kind is UpstreamPush or UpstreamTrigger.
	Kind string `json:"kind"`
}

// StartDownstreamInput names the successful build whose downstream builds
// the StartDownstreamBuilds activity asks the API to start.
type StartDownstreamInput struct {
	BuildID string `json:"build_id"`
}

// StartDownstreamResult counts the builds the API started or found started.
type StartDownstreamResult struct {
	Builds int `json:"builds"`
}
