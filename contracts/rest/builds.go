package rest

import "time"

// CreateBuildRequest is the body of POST /api/v1/builds.
type CreateBuildRequest struct {
	// Repository is an absolute local path or a URL (https://, file://, ...).
	Repository string `json:"repository"`
	// Commit is a SHA or a ref; empty means HEAD.
	Commit string `json:"commit,omitempty"`
	Branch string `json:"branch,omitempty"`
	// Rerun runs a build that already finished again.
	Rerun bool `json:"rerun,omitempty"`
	// Inputs are values for the inputs the definition declares, by name;
	// the others get their defaults. Other values make another build of
	// the commit.
	Inputs map[string]string `json:"inputs,omitempty"`
	// CallbackURL, when set, is POSTed the build's BUILD_COMPLETE event
	// (signed like every outgoing webhook) when the build ends.
	CallbackURL string `json:"callback_url,omitempty"`
}

// CreateBuildResponse answers POST /api/v1/builds.
type CreateBuildResponse struct {
	ID       string `json:"id"`
	RunID    string `json:"run_id"`
	URL      string `json:"url"`
	Status   string `json:"status"`
	Existing bool   `json:"existing"`
	Rerun    bool   `json:"rerun"`
	// RerunOf is the run a POST /api/v1/builds/{id}/rerun re-runs, and
	// Reused the tasks ("stage/task") the new run takes from it instead of
	// running them.
	RerunOf string   `json:"rerun_of,omitempty"`
	Reused  []string `json:"reused,omitempty"`
}

// RerunBuildRequest is the body of POST /api/v1/builds/{id}/rerun, which
// runs the last run of a build that has ended again, from the same plan.
// With neither field every task runs again.
type RerunBuildRequest struct {
	// Failed re-runs the tasks that did not succeed (failed, cancelled,
	// skipped) and every task of the stages after the first that failed;
	// the others' results, logs and artifacts are reused.
	Failed bool `json:"failed,omitempty"`
	// Task ("stage/task", or the task's name alone when no other stage has
	// one of that name) re-runs that task and every task of the later
	// stages; the tasks before it that succeeded are reused.
	Task string `json:"task,omitempty"`
}

// BuildSummary is one build in a list.
type BuildSummary struct {
	ID          string     `json:"id"`
	RunID       string     `json:"run_id"`
	URL         string     `json:"url"`
	Project     string     `json:"project"`
	Repository  string     `json:"repository"`
	Commit      string     `json:"commit"`
	Branch      string     `json:"branch,omitempty"`
	Status      string     `json:"status"`
	TriggeredBy string     `json:"triggered_by,omitempty"`
	Rerun       bool       `json:"rerun,omitempty"`
	Version     string     `json:"version,omitempty"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

// ListBuildsResponse answers GET /api/v1/builds; NextOffset is null on the last page.
type ListBuildsResponse struct {
	Builds     []BuildSummary `json:"builds"`
	NextOffset *int           `json:"next_offset"`
}

// CancelBuildResponse answers POST /api/v1/builds/{id}/cancel.
type CancelBuildResponse struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// TraceResponse answers GET /api/v1/trace: the chain across repositories
// through a build.
type TraceResponse struct {
	// Build is the build asked about (or the one of the project's commit).
	Build string      `json:"build"`
	Links []TraceLink `json:"links"`
}

// TraceLink is one build of a chain: which commit of which project it
// built, the version it registered and where that version was deployed.
type TraceLink struct {
	// Depth is the build's place in the chain: 0 for the build asked
	// about, -1 for its upstream build, 1 for its downstream builds, …
	Depth       int    `json:"depth"`
	Project     string `json:"project"`
	BuildID     string `json:"build_id"`
	Commit      string `json:"commit"`
	Branch      string `json:"branch,omitempty"`
	Status      string `json:"status"`
	Version     string `json:"version,omitempty"`
	TriggeredBy string `json:"triggered_by,omitempty"`
	// UpstreamBuildID is the build upstream of this one, and UpstreamKind
	// how: "push" (its push step made this commit) or "trigger".
	UpstreamBuildID string `json:"upstream_build_id,omitempty"`
	UpstreamKind    string `json:"upstream_kind,omitempty"`
	// Deployed lists the environments the version was deployed to.
	Deployed []TraceDeployment `json:"deployed,omitempty"`
}

// TraceDeployment is an environment a version of a chain was deployed to:
// when it last was, and whether it still runs it.
type TraceDeployment struct {
	Environment string    `json:"environment"`
	At          time.Time `json:"at"`
	Current     bool      `json:"current"`
}
