package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// Page sizes of GET /api/v1/builds.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

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

func (s *Server) listBuilds(c *gin.Context) {
	if c.Query("id") != "" {
		s.getBuild(c)
		return
	}
	f := ledger.BuildFilter{Project: c.Query("project"), Branch: c.Query("branch"), Status: c.Query("status")}
	var err error
	if f.Limit, err = queryInt(c, "limit", DefaultListLimit, 1, MaxListLimit); err != nil {
		_ = c.Error(err)
		return
	}
	if f.Offset, err = queryInt(c, "offset", 0, 0, -1); err != nil {
		_ = c.Error(err)
		return
	}
	switch f.Status {
	case "", workflows.StatusRunning, workflows.StatusSucceeded, workflows.StatusFailed, workflows.StatusCancelled:
	default:
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest,
			"status must be one of running, succeeded, failed, cancelled"))
		return
	}
	page := f.Limit
	f.Limit++ // one more tells whether there is a next page
	builds, err := s.History.ListBuilds(c.Request.Context(), f)
	if err != nil {
		_ = c.Error(fmt.Errorf("list builds: %w", err))
		return
	}
	resp := ListBuildsResponse{Builds: make([]BuildSummary, 0, min(len(builds), page))}
	if len(builds) > page {
		builds = builds[:page]
		next := f.Offset + page
		resp.NextOffset = &next
	}
	for _, b := range builds {
		resp.Builds = append(resp.Builds, s.summary(b))
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) getBuild(c *gin.Context) {
	id, err := buildID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	state, err := s.buildState(c.Request.Context(), id, c.Query("run_id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, state)
}

// buildState reads a build from Temporal, falling back to the ledger for
// builds Temporal no longer knows (past retention).
func (s *Server) buildState(ctx context.Context, id, runID string) (workflows.BuildState, error) {
	state, err := s.Builds.State(ctx, id, runID)
	if err == nil {
		return state, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return workflows.BuildState{}, fmt.Errorf("state of build %s: %w", id, err)
	}
	b, tasks, err := s.History.GetBuild(ctx, id, runID)
	if errors.Is(err, ledger.ErrNotFound) {
		return workflows.BuildState{}, ErrNotFound
	}
	if err != nil {
		return workflows.BuildState{}, fmt.Errorf("build %s from ledger: %w", id, err)
	}
	return stateFromHistory(b, tasks), nil
}

func (s *Server) cancelBuild(c *gin.Context) {
	id, err := buildID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.Builds.Cancel(c.Request.Context(), id); err != nil {
		if errors.Is(err, ErrBuildFinished) {
			_ = c.Error(errorf(http.StatusConflict, codeConflict, "build %s is not running", id))
			return
		}
		_ = c.Error(fmt.Errorf("cancel build %s: %w", id, err))
		return
	}
	s.logger().InfoContext(c.Request.Context(), "build cancel requested", "build_id", id, "by", triggeredBy(c))
	c.JSON(http.StatusAccepted, CancelBuildResponse{ID: id, Status: "cancelling"})
}

func (s *Server) summary(b ledger.Build) BuildSummary {
	return BuildSummary{
		ID: b.ID, RunID: b.RunID, URL: s.buildURL(b.ID), Project: b.Project, Repository: gitsource.Redact(b.Repository),
		Commit: b.Commit, Branch: b.Branch, Status: b.Status, TriggeredBy: b.TriggeredBy, Rerun: b.Rerun,
		Version: b.Version, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt,
	}
}

// queryInt reads an integer query parameter within [lo, hi] (hi < 0: no upper bound).
func queryInt(c *gin.Context, name string, def, lo, hi int) (int, error) {
	raw := c.Query(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || (hi >= 0 && n > hi) {
		if hi < 0 {
			return 0, errorf(http.StatusBadRequest, codeBadRequest, "%s must be an integer >= %d", name, lo)
		}
		return 0, errorf(http.StatusBadRequest, codeBadRequest, "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}
