package ledger

import "time"

// Project is a project seen in a build or an artifact version.
type Project struct {
	Name       string    `json:"name"`
	Repository string    `json:"repository"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Build is one workflow run of a build, keyed by (ID, RunID).
type Build struct {
	ID          string `json:"id"`     // workflow ID, build/<project>/<commit>
	RunID       string `json:"run_id"` // Temporal run ID
	Project     string `json:"project"`
	Repository  string `json:"repository"`
	Commit      string `json:"commit"`
	Branch      string `json:"branch,omitempty"`
	Status      string `json:"status"`
	TriggeredBy string `json:"triggered_by,omitempty"`
	Rerun       bool   `json:"rerun,omitempty"`
	// Subject and Author are the commit's first message line and author name.
	Subject string `json:"subject,omitempty"`
	Author  string `json:"author,omitempty"`
	// Version is the artifact version registered by a successful build.
	Version    string     `json:"version,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// UpstreamBuildID is the build upstream of this one, and UpstreamKind
	// how: UpstreamPush or UpstreamTrigger; both empty for a build of its own.
	UpstreamBuildID string `json:"upstream_build_id,omitempty"`
	UpstreamKind    string `json:"upstream_kind,omitempty"`
}

// Task is the recorded state of one task of a build run, keyed by
// (BuildID, RunID, Stage, Name).
type Task struct {
	BuildID    string     `json:"build_id"`
	RunID      string     `json:"run_id"`
	Stage      string     `json:"stage"`
	Name       string     `json:"name"`
	StageIndex int        `json:"stage_index"` // position of the stage in the plan
	TaskIndex  int        `json:"task_index"`  // position of the task in its stage
	Status     string     `json:"status"`
	Attempt    int        `json:"attempt"`
	ExitCode   *int       `json:"exit_code,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	LogKey     string     `json:"log_key,omitempty"`
	// Warnings and Errors are the task's "::warning::" and "::error::"
	// messages (contracts.RunTaskResult.Warnings).
	Warnings []string `json:"warnings,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// Artifact is a blob of an artifact version.
type Artifact struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Key    string `json:"key"` // blob store key
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// SourceRepository and SourceVersion say what the artifact was built
	// from (puppet-foas from its own repository at def456), when a version
	// carries artifacts built apart; empty when not given.
	SourceRepository string `json:"source_repository,omitempty"`
	SourceVersion    string `json:"source_version,omitempty"`
}

// DeployedArtifact is an artifact a deployment deployed, with its source.
type DeployedArtifact struct {
	Name             string `json:"name"`
	SourceRepository string `json:"source_repository,omitempty"`
	SourceVersion    string `json:"source_version,omitempty"`
}

// ArtifactVersion is a version of a project's artifacts, keyed by (Project, Version).
// BuildID and RunID are empty when an external CI registered it.
type ArtifactVersion struct {
	Project   string     `json:"project"`
	Version   string     `json:"version"`
	Commit    string     `json:"commit"`
	Branch    string     `json:"branch,omitempty"`
	BuildID   string     `json:"build_id,omitempty"`
	RunID     string     `json:"run_id,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	Artifacts []Artifact `json:"artifacts"`
	// RegisteredBy are who registered artifacts of the version, sorted,
	// each once: the callers of the API's registrations (AddArtifacts) and,
	// for a version a build recorded, whoever triggered the build.
	RegisteredBy []string `json:"registered_by,omitempty"`
}

// BuildFilter selects builds for ListBuilds; empty fields match everything.
// Limit 0 means DefaultLimit and is capped at MaxLimit.
type BuildFilter struct {
	Project string
	Branch  string
	Status  string
	Limit   int
	Offset  int
}

// Page sizes of list queries.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// StatusRunning is the status of a build recorded as started.
const StatusRunning = "running"

// clampLimit applies DefaultLimit and MaxLimit to a requested page size.
func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultLimit
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
}
