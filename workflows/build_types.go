package workflows

import (
	"fmt"
	"time"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/pipeline"
)

// Names under which the Build workflow and its handlers are registered.
const (
	BuildWorkflowName = "Build"
	// BuildStateQuery returns the live BuildState.
	BuildStateQuery = "state"
	// TaskQueue is the default task queue for workflows and tasks without runs-on labels.
	TaskQueue = "drover"
)

// Search attributes Drover sets on its runs (all Keyword).
const (
	SearchAttrProject = "DroverProject"
	SearchAttrBranch  = "DroverBranch"
	SearchAttrCommit  = "DroverCommit"
	SearchAttrStatus  = "DroverStatus"
)

// BuildID is the workflow ID of the build of a project at a commit.
func BuildID(project, commit string) string {
	return fmt.Sprintf("build/%s/%s", project, commit)
}

// BuildInput starts a Build.
type BuildInput struct {
	Project    string        `json:"project"`
	Repository string        `json:"repository"`
	Commit     string        `json:"commit"`
	Branch     string        `json:"branch,omitempty"`
	Plan       pipeline.Plan `json:"plan"`
	// TriggeredBy names who or what started the build (a user, "webhook", "cli").
	TriggeredBy string `json:"triggered_by,omitempty"`
	// Subject and Author are the commit's first message line and author
	// name, read from git where the build starts (shown, never trusted).
	Subject string `json:"subject,omitempty"`
	Author  string `json:"author,omitempty"`
	// Rerun is true when the build was started again on purpose for a commit already built.
	Rerun bool `json:"rerun,omitempty"`
	// HeartbeatTimeout is how long a silent task attempt may run before another
	// worker takes it over; zero means DefaultLostHeartbeatTimeout
	// (DefaultHeartbeatTimeout in builds started before infraRetryChangeID).
	HeartbeatTimeout time.Duration `json:"heartbeat_timeout,omitempty"`
	// Promotion, when set, is promoted once the build succeeds: the build
	// starts its Promotion workflow, which outlives the build.
	Promotion *pipeline.Promotion `json:"promotion,omitempty"`
	// InfraRetries bounds attempts lost to infrastructure (a dead worker, a failed
	// checkout, log or artifact store) per task run; zero means
	// DefaultLostRetries (DefaultInfraRetries in builds started before the
	// workflow retried lost attempts itself).
	InfraRetries int `json:"infra_retries,omitempty"`
	// Notify holds the project's notification sinks (drover.yaml notify);
	// the worker's global sinks are added to them.
	Notify *pipeline.Notify `json:"notify,omitempty"`
	// DecisionKeys and OperatorDecisions are handed to the promotion the
	// build starts (see PromotionInput).
	DecisionKeys      []decision.PublicKey `json:"decision_keys,omitempty"`
	OperatorDecisions bool                 `json:"operator_decisions,omitempty"`
	// SecretsAllowed is true when the project trusts the build's branch with
	// its secrets: only then do its tasks (and its promotion's steps) get the
	// secrets they name. Decided where the build starts.
	SecretsAllowed bool `json:"secrets_allowed,omitempty"`
}

// Defaults of BuildInput.
const (
	DefaultHeartbeatTimeout = 30 * time.Second
	DefaultInfraRetries     = 5
)

// Build and task statuses.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"

	TaskWaiting   = "waiting"
	TaskReady     = "ready"
	TaskScheduled = "scheduled"
	TaskBuilding  = "building"
	TaskSucceeded = "succeeded"
	TaskFailed    = "failed"
	TaskCancelled = "cancelled"
)

// Event types a build emits.
const (
	EventBuildStart   = "BUILD_START"
	EventTaskStart    = "TASK_START"
	EventTaskSuccess  = "TASK_SUCCESS"
	EventTaskFail     = "TASK_FAIL"
	EventBuildSuccess = "BUILD_SUCCESS"
	EventBuildFail    = "BUILD_FAIL"
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
	ID          string       `json:"id"`
	RunID       string       `json:"run_id"`
	Project     string       `json:"project"`
	Repository  string       `json:"repository"`
	Commit      string       `json:"commit"`
	Branch      string       `json:"branch,omitempty"`
	TriggeredBy string       `json:"triggered_by,omitempty"`
	Subject     string       `json:"subject,omitempty"`
	Author      string       `json:"author,omitempty"`
	Rerun       bool         `json:"rerun,omitempty"`
	Status      string       `json:"status"`
	StartedAt   time.Time    `json:"started_at"`
	FinishedAt  *time.Time   `json:"finished_at,omitempty"`
	Stages      []StageState `json:"stages"`
	Events      []Event      `json:"events"`
	// Version is the artifact version registered when the build succeeded.
	Version string `json:"version,omitempty"`
	// PromotionID is the promotion the build started, if any.
	PromotionID string `json:"promotion_id,omitempty"`
	// Ledger is set while a write to the ledger has been retried for
	// LedgerSlowAfter (LedgerUnreachable): the build waits for it.
	Ledger string `json:"ledger,omitempty"`
}

// StageState is the live state of one stage.
type StageState struct {
	Name   string      `json:"name"`
	Status string      `json:"status"`
	Tasks  []TaskState `json:"tasks"`
}

// TaskState is the live state of one task.
type TaskState struct {
	Name       string                   `json:"name"`
	Status     string                   `json:"status"`
	Attempt    int                      `json:"attempt"`
	ExitCode   *int                     `json:"exit_code,omitempty"`
	StartedAt  *time.Time               `json:"started_at,omitempty"`
	FinishedAt *time.Time               `json:"finished_at,omitempty"`
	Error      string                   `json:"error,omitempty"`
	LogKey     string                   `json:"log_key,omitempty"`
	OutputTail string                   `json:"output_tail,omitempty"`
	Artifacts  []activities.ArtifactRef `json:"artifacts,omitempty"`
}
