package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

func (s *Server) listPromotions(c *gin.Context) {
	if c.Query("id") != "" {
		s.getPromotion(c)
		return
	}
	q, err := readListQuery(c, string(workflows.PromotionRunning), string(workflows.PromotionCompleted),
		string(workflows.PromotionStopped), string(workflows.PromotionCancelled))
	if err != nil {
		_ = c.Error(err)
		return
	}
	list, err := s.PromotionLedger.ListPromotions(c.Request.Context(), ledger.PromotionFilter{
		Project: c.Query("project"), Status: q.Status, Limit: q.fetchLimit(), Offset: q.Offset,
	})
	if err != nil {
		_ = c.Error(fmt.Errorf("list promotions: %w", err))
		return
	}
	list = readable(list, s.readFilter(c), func(p ledger.Promotion) string { return p.Project })
	var resp ListPromotionsResponse
	resp.Promotions, resp.NextOffset = page(q, list, s.promotionSummary)
	c.JSON(http.StatusOK, resp)
}

func (s *Server) getPromotion(c *gin.Context) {
	if s.readableID(c, promotionID) {
		serveRunState(c, promotionID, s.promotionState)
	}
}

// promotionState reads a promotion from Temporal, falling back to the
// ledger for promotions Temporal no longer knows (past retention).
func (s *Server) promotionState(ctx context.Context, id, runID string) (workflows.PromotionState, error) {
	state, err := s.Promotions.State(ctx, id, runID)
	if err == nil {
		return state, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return workflows.PromotionState{}, fmt.Errorf("state of promotion %s: %w", id, err)
	}
	p, err := s.PromotionLedger.GetPromotion(ctx, id, runID)
	if errors.Is(err, ledger.ErrNotFound) {
		return workflows.PromotionState{}, promotionNotFound(id)
	}
	if err != nil {
		return workflows.PromotionState{}, fmt.Errorf("promotion %s from ledger: %w", id, err)
	}
	return workflows.PromotionState{
		ID: p.ID, RunID: p.RunID, Project: p.Project, Version: p.Version, Commit: p.Commit, Branch: p.Branch,
		BuildID: p.BuildID, TriggeredBy: p.TriggeredBy, Status: contracts.PromotionStatus(p.Status), StartedAt: p.StartedAt,
		FinishedAt: p.FinishedAt, Environments: []workflows.EnvironmentState{}, Events: []workflows.Event{},
	}, nil
}

func (s *Server) promotionSummary(p ledger.Promotion) PromotionSummary {
	return PromotionSummary{
		ID: p.ID, RunID: p.RunID, URL: s.promotionURL(p.ID), Project: p.Project, Version: p.Version,
		Commit: p.Commit, Branch: p.Branch, BuildID: p.BuildID, TriggeredBy: p.TriggeredBy,
		Status: p.Status, StartedAt: p.StartedAt, FinishedAt: p.FinishedAt,
	}
}

// promotionURL is the URL of the promotion id under PublicURL.
func (s *Server) promotionURL(id string) string {
	return strings.TrimRight(s.PublicURL, "/") + "/api/v1/promotions/" + url.PathEscape(id)
}

// promotionID reads the promotion ID of a request from ?id= or the :id segment.
func promotionID(c *gin.Context) (string, error) {
	id := c.Query("id")
	if id == "" {
		id = c.Param("id")
	}
	if id == "" || id == "-" {
		return "", errorf(http.StatusBadRequest, codeBadRequest, "missing promotion id")
	}
	return id, nil
}

// promotionNotFound says promotion id does not exist.
func promotionNotFound(id string) error { return notFound(KindPromotion, id) }
