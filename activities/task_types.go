package activities

import (
	"time"

	"github.com/drover-ci/drover/pipeline"
)

// Error types of task failures that must not be retried by Temporal: the
// workflow decides on another attempt from the task's own retries.
const (
	ErrTypeTaskFailed   = "TaskFailed"   // the script exited non-zero
	ErrTypeTaskTimedOut = "TaskTimedOut" // the script ran past the task's timeout
	ErrTypeBadTask      = "BadTask"      // the task can never run (e.g. an artifact path escapes the workspace)
)

// TaskStartedSignal is the signal an attempt sends its build once its script
// has been running for a moment, so the build shows it as building.
const TaskStartedSignal = "task-started"

// TaskStarted is the payload of TaskStartedSignal.
type TaskStarted struct {
	Stage   string    `json:"stage"`
	Task    string    `json:"task"`
	Attempt int       `json:"attempt"`
	Time    time.Time `json:"time"`
}

// RunTaskInput is one attempt (or series of infrastructure retries) of a task.
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
}

// ArtifactRef points to an artifact in the blob store.
type ArtifactRef struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}
