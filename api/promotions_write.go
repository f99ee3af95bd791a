package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

func (s *Server) createPromotion(c *gin.Context) {
	ctx := c.Request.Context()
	var req CreatePromotionRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		_ = c.Error(err)
		return
	}
	if !namePattern.MatchString(req.Project) || !namePattern.MatchString(req.Version) {
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "project and version are required"))
		return
	}
	role := registry.RolePromote
	if req.Definition != "" {
		role = registry.RoleAdmin // a definition by hand may only come from an admin
	}
	if err := s.authorize(c, req.Project, role); err != nil {
		_ = c.Error(err)
		return
	}
	registered, _ := s.Registry.Project(req.Project)
	v, err := s.PromotionLedger.GetArtifactVersion(ctx, req.Project, req.Version)
	if errors.Is(err, ledger.ErrNotFound) {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "version %s of %s is not registered", req.Version, req.Project))
		return
	}
	if err != nil {
		_ = c.Error(fmt.Errorf("look up version %s of %s: %w", req.Version, req.Project, err))
		return
	}
	repo := strings.TrimSpace(req.Repository)
	var def *pipeline.Project
	if req.Definition != "" {
		// The repository, when given, is where the promotion's steps check
		// out from: the registration must list it, definition or not.
		if repo != "" {
			_, err = s.registeredRepository(c, req.Project, repo, "promote")
		}
		if err == nil {
			def, err = promotionDefinition(req.Project, []byte(req.Definition), "given")
		}
	} else {
		if repo == "" {
			repo, err = s.repositoryOf(ctx, v)
		}
		if err == nil {
			_, err = s.registeredRepository(c, req.Project, repo, "promote")
		}
		if err == nil {
			def, _, err = s.environmentsAt(ctx, req.Project, repo, v.Commit)
		}
	}
	var envs []pipeline.Environment
	if err == nil {
		envs, err = protect(registered, def, v.Branch)
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	in := workflows.PromotionInput{
		Project: v.Project, Version: v.Version, Commit: v.Commit, Branch: v.Branch, Repository: repo,
		BuildID: v.BuildID, TriggeredBy: triggeredBy(c), Environments: envs, Notify: def.Notify,
	}
	for _, a := range v.Artifacts {
		in.Artifacts = append(in.Artifacts, contracts.ArtifactRef{Name: a.Name, Path: a.Path, Key: a.Key, SHA256: a.SHA256, Size: a.Size})
	}
	s.startPromotion(c, in)
}

// repositoryOf finds the repository of a version: its build's, else its project's.
func (s *Server) repositoryOf(ctx context.Context, v ledger.ArtifactVersion) (string, error) {
	if v.BuildID != "" {
		b, _, err := s.History.GetBuild(ctx, v.BuildID, v.RunID)
		if err == nil && b.Repository != "" {
			return b.Repository, nil
		}
		if err != nil && !errors.Is(err, ledger.ErrNotFound) {
			return "", fmt.Errorf("build %s of version %s: %w", v.BuildID, v.Version, err)
		}
	}
	projects, err := s.PromotionLedger.ListProjects(ctx)
	if err != nil {
		return "", fmt.Errorf("list projects: %w", err)
	}
	for _, p := range projects {
		if p.Name == v.Project && p.Repository != "" {
			return p.Repository, nil
		}
	}
	return "", errorf(http.StatusBadRequest, codeNoDefinition,
		"the repository of %s is unknown: give the repository or the definition", v.Project)
}

func (s *Server) approvePromotion(c *gin.Context) { s.decide(c, true) }
func (s *Server) rejectPromotion(c *gin.Context)  { s.decide(c, false) }

func (s *Server) decide(c *gin.Context, approve bool) {
	id, err := promotionID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.authorize(c, projectOfID(id), registry.RolePromote); err != nil {
		_ = c.Error(err)
		return
	}
	var req DecideRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		_ = c.Error(err)
		return
	}
	req.Environment, req.Comment = strings.TrimSpace(req.Environment), strings.TrimSpace(req.Comment)
	switch {
	case req.Environment == "":
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "environment is required"))
		return
	case !approve && req.Comment == "":
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "a rejection needs a comment saying why"))
		return
	}
	requestID, err := decisionRequestID(c, req.RequestID)
	if err != nil {
		_ = c.Error(err)
		return
	}
	who := caller(c)
	d := workflows.Decision{Environment: req.Environment, Approve: approve, Actor: who.Name, Groups: who.Groups,
		Comment: req.Comment, Channel: channel(c)}
	res, err := s.decideOnce(c.Request.Context(), id, requestID, d)
	if err != nil {
		decisionError(c, id, requestID, "decide", err)
		return
	}
	s.logger().InfoContext(c.Request.Context(), "promotion decision accepted", "promotion_id", id, "request_id", requestID,
		"environment", d.Environment, "approve", approve, "actor", d.Actor, "channel", d.Channel, "gate", res.State)
	c.JSON(http.StatusOK, res)
}

func (s *Server) skipBake(c *gin.Context) {
	id, err := promotionID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.authorize(c, projectOfID(id), registry.RolePromote); err != nil {
		_ = c.Error(err)
		return
	}
	var req SkipBakeRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		_ = c.Error(err)
		return
	}
	req.Environment, req.Reason = strings.TrimSpace(req.Environment), strings.TrimSpace(req.Reason)
	if req.Environment == "" || req.Reason == "" {
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "environment and reason are required"))
		return
	}
	requestID, err := decisionRequestID(c, req.RequestID)
	if err != nil {
		_ = c.Error(err)
		return
	}
	sb := workflows.SkipBake{Environment: req.Environment, Actor: caller(c).Name, Reason: req.Reason, Channel: channel(c)}
	if err := s.Promotions.SkipBake(c.Request.Context(), id, s.signedSkipBake(id, requestID, sb)); err != nil {
		decisionError(c, id, requestID, "skip bake of", err)
		return
	}
	s.logger().InfoContext(c.Request.Context(), "bake skipped", "promotion_id", id, "environment", sb.Environment, "actor", sb.Actor)
	c.JSON(http.StatusOK, PromotionActionResponse{ID: id, Environment: sb.Environment, Status: "bake skipped"})
}

func (s *Server) cancelPromotion(c *gin.Context) {
	id, err := promotionID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.authorize(c, projectOfID(id), registry.RolePromote); err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.Promotions.Cancel(c.Request.Context(), id); err != nil {
		_ = c.Error(promotionError(id, "cancel", err))
		return
	}
	s.logger().InfoContext(c.Request.Context(), "promotion cancel requested", "promotion_id", id, "by", triggeredBy(c))
	c.JSON(http.StatusAccepted, PromotionActionResponse{ID: id, Status: "cancelling"})
}

// promotionError gives the errors of Promotions their meaning for promotion id.
func promotionError(id, op string, err error) error {
	var refused *RefusedError
	switch {
	case errors.Is(err, ErrNotFound):
		return promotionNotFound(id)
	case errors.Is(err, ErrPromotionFinished):
		return errorf(http.StatusConflict, codeConflict, "promotion %s is not running", id)
	case errors.As(err, &refused), errors.Is(err, ErrNoAnswer):
		return err
	}
	return fmt.Errorf("%s promotion %s: %w", op, id, err)
}
