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
}

// CreateBuildResponse answers POST /api/v1/builds.
type CreateBuildResponse struct {
	ID       string `json:"id"`
	RunID    string `json:"run_id"`
	URL      string `json:"url"`
	Status   string `json:"status"`
	Existing bool   `json:"existing"`
	Rerun    bool   `json:"rerun"`
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
