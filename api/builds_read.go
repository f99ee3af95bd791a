package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// Page sizes of GET /api/v1/builds.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

func (s *Server) listBuilds(c *gin.Context) {
	if c.Query("id") != "" {
		s.getBuild(c)
		return
	}
	q, err := readListQuery(c, string(workflows.StatusRunning), string(workflows.StatusSucceeded),
		string(workflows.StatusFailed), string(workflows.StatusCancelled))
	if err != nil {
		_ = c.Error(err)
		return
	}
	builds, err := s.History.ListBuilds(c.Request.Context(), ledger.BuildFilter{
		Project: c.Query("project"), Branch: c.Query("branch"), Status: q.Status,
		Limit: q.fetchLimit(), Offset: q.Offset,
	})
	if err != nil {
		_ = c.Error(fmt.Errorf("list builds: %w", err))
		return
	}
	builds = readable(builds, s.readFilter(c), func(b ledger.Build) string { return b.Project })
	var resp ListBuildsResponse
	resp.Builds, resp.NextOffset = page(q, builds, s.summary)
	c.JSON(http.StatusOK, resp)
}

func (s *Server) getBuild(c *gin.Context) {
	if s.readableID(c, buildID) {
		may := s.readFilter(c)
		serveRunState(c, buildID, func(ctx context.Context, id, runID string) (workflows.BuildState, error) {
			st, err := s.buildState(ctx, id, runID)
			if err == nil {
				s.withChainLinks(ctx, &st, may)
			}
			return st, err
		})
	}
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
		return workflows.BuildState{}, notFound(KindBuild, id)
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
	if err := s.authorize(c, projectOfID(id), registry.RoleBuild); err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.Builds.Cancel(c.Request.Context(), id); err != nil {
		switch {
		case errors.Is(err, ErrBuildFinished):
			_ = c.Error(errorf(http.StatusConflict, codeConflict, "build %s is not running", id))
		case errors.Is(err, ErrNotFound):
			_ = c.Error(notFound(KindBuild, id))
		default:
			_ = c.Error(fmt.Errorf("cancel build %s: %w", id, err))
		}
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
