package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// maxChangeCommits bounds the commits listed per environment.
const maxChangeCommits = 50

// CommitLogger lists the commits between two commits; *gitsource.Source
// implements it.
type CommitLogger interface {
	Log(ctx context.Context, repository, from, to string, limit int) ([]gitsource.Commit, bool, error)
}

// EnvironmentChanges is what a promotion would change in one environment:
// the version running there now and the commits between it and the
// promotion's (Added), or, for an older version, the commits it takes away
// (Removed).
type EnvironmentChanges struct {
	Environment    string             `json:"environment"`
	CurrentVersion string             `json:"current_version,omitempty"`
	CurrentCommit  string             `json:"current_commit,omitempty"`
	Added          []gitsource.Commit `json:"added,omitempty"`
	Removed        []gitsource.Commit `json:"removed,omitempty"`
	// More is true when there were more commits than listed.
	More bool `json:"more,omitempty"`
}

// ChangesResponse answers GET /api/v1/promotions/{id}/changes.
type ChangesResponse struct {
	ID           string               `json:"id"`
	Version      string               `json:"version"`
	Commit       string               `json:"commit"`
	Environments []EnvironmentChanges `json:"environments"`
}

// promotionChanges serves GET /api/v1/promotions/{id}/changes: per
// environment of the promotion, the version it runs now and the commits
// between that version and the promotion's, from git.
func (s *Server) promotionChanges(c *gin.Context) {
	if !s.readableID(c, promotionID) {
		return
	}
	id, err := promotionID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	state, err := s.promotionState(c.Request.Context(), id, c.Query("run_id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	resp, err := s.changesOf(c.Request.Context(), state)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

// changesOf lists what state's promotion changes in each of its environments.
func (s *Server) changesOf(ctx context.Context, state workflows.PromotionState) (ChangesResponse, error) {
	resp := ChangesResponse{ID: state.ID, Version: state.Version, Commit: state.Commit, Environments: []EnvironmentChanges{}}
	logger, ok := s.Source.(CommitLogger)
	if !ok {
		return resp, nil
	}
	v, err := s.PromotionLedger.GetArtifactVersion(ctx, state.Project, state.Version)
	if errors.Is(err, ledger.ErrNotFound) {
		return resp, nil
	}
	if err != nil {
		return resp, fmt.Errorf("version %s of %s: %w", state.Version, state.Project, err)
	}
	repo, err := s.repositoryOf(ctx, v)
	if err != nil {
		return resp, nil // a version registered from outside, of no known repository: no commits to show
	}
	current, err := s.PromotionLedger.Environments(ctx, state.Project)
	if err != nil {
		return resp, fmt.Errorf("environments of %s: %w", state.Project, err)
	}
	for _, env := range state.Environments {
		ch := EnvironmentChanges{Environment: env.Name}
		for _, cur := range current {
			if cur.Environment == env.Name {
				ch.CurrentVersion = cur.Version
			}
		}
		if ch.CurrentVersion != "" && ch.CurrentVersion != v.Version {
			if cv, err := s.PromotionLedger.GetArtifactVersion(ctx, state.Project, ch.CurrentVersion); err == nil {
				ch.CurrentCommit = cv.Commit
				s.fillChanges(ctx, logger, repo, &ch, cv.Commit, v.Commit)
			}
		}
		resp.Environments = append(resp.Environments, ch)
	}
	return resp, nil
}

// fillChanges lists the commits from..to (added) and to..from (removed).
// A commit git does not know leaves the lists empty; it is logged.
func (s *Server) fillChanges(ctx context.Context, logger CommitLogger, repo string, ch *EnvironmentChanges, from, to string) {
	var moreAdded, moreRemoved bool
	var err error
	if ch.Added, moreAdded, err = logger.Log(ctx, repo, from, to, maxChangeCommits); err == nil {
		ch.Removed, moreRemoved, err = logger.Log(ctx, repo, to, from, maxChangeCommits)
	}
	if err != nil {
		s.logger().WarnContext(ctx, "list changes failed", "repository", gitsource.Redact(repo), "from", from, "to", to, "error", err)
		ch.Added, ch.Removed = nil, nil
		return
	}
	ch.More = moreAdded || moreRemoved
}
