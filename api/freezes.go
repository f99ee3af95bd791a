package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
)

// FreezeStore keeps environment freezes; *ledger.Ledger implements it.
type FreezeStore interface {
	PutFreeze(ctx context.Context, f ledger.Freeze) error
	DeleteFreeze(ctx context.Context, project, environment string) error
	ListFreezes(ctx context.Context, project string) ([]ledger.Freeze, error)
}

// freezeEnvironment serves PUT /api/v1/environments/{project}/{environment}/freeze:
// the project's administrators freeze an environment, with a reason and an
// optional end; promotions wait at its gate until it lifts. Audited.
func (s *Server) freezeEnvironment(c *gin.Context) {
	project, env, ok := s.freezeRoute(c)
	if !ok {
		return
	}
	var req rest.FreezeRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		_ = c.Error(err)
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	switch {
	case req.Reason == "":
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "a freeze needs a reason"))
		return
	case len(req.Reason) > maxReasonBytes || hasControlButNewline(req.Reason):
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "reason: at most %d bytes of text", maxReasonBytes))
		return
	case req.Until != nil && !req.Until.After(time.Now()):
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "until %s has passed", req.Until.UTC().Format(time.RFC3339)))
		return
	}
	f := ledger.Freeze{Project: project, Environment: env, Reason: req.Reason, By: triggeredBy(c), At: time.Now().UTC(), Until: req.Until}
	if err := s.Freezes.PutFreeze(c.Request.Context(), f); err != nil {
		_ = c.Error(fmt.Errorf("freeze %s/%s: %w", project, env, err))
		return
	}
	s.auditFreeze(c, "freeze", project, env, req.Reason)
	c.JSON(http.StatusOK, rest.Freeze(f))
}

// thawEnvironment serves DELETE .../freeze: the freeze lifts; waiting
// promotions go on within FreezePoll. 404 when it was not frozen.
func (s *Server) thawEnvironment(c *gin.Context) {
	project, env, ok := s.freezeRoute(c)
	if !ok {
		return
	}
	err := s.Freezes.DeleteFreeze(c.Request.Context(), project, env)
	if errors.Is(err, ledger.ErrNotFound) {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "%s of %s is not frozen", env, project))
		return
	}
	if err != nil {
		_ = c.Error(fmt.Errorf("lift freeze of %s/%s: %w", project, env, err))
		return
	}
	s.auditFreeze(c, "unfreeze", project, env, "")
	// Waiting promotions look again now (else at their next poll).
	if r, ok := s.Promotions.(freezeRechecker); ok {
		s.recheckFreeze(c.Request.Context(), r, project, env)
		// Temporal finds waiting promotions by their search attributes,
		// which it makes visible a moment after a promotion stops at the
		// freeze: one that stopped just before the freeze lifted is told
		// again shortly, not left to its next poll minutes later. Telling
		// a promotion twice is harmless.
		go func() {
			ctx := context.WithoutCancel(c.Request.Context())
			for _, d := range freezeRecheckAgain {
				time.Sleep(d)
				s.recheckFreeze(ctx, r, project, env)
			}
		}()
	}
	c.Status(http.StatusNoContent)
}

// freezeRecheckAgain are the pauses after which a lifted freeze's waiting
// promotions are told again.
var freezeRecheckAgain = []time.Duration{time.Second, 4 * time.Second}

// freezeRechecker tells the promotions waiting at a frozen environment to
// look again (TemporalPromotions.RecheckFreeze).
type freezeRechecker interface {
	RecheckFreeze(ctx context.Context, project, env string) error
}

func (s *Server) recheckFreeze(ctx context.Context, r freezeRechecker, project, env string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.RecheckFreeze(ctx, project, env); err != nil {
		s.logger().WarnContext(ctx, "freeze lifted: waiting promotions not told", "project", project,
			"environment", env, "error", err)
	}
}

// freezeRoute checks a freeze route: freezes configured, names sane, the
// caller administers the project.
func (s *Server) freezeRoute(c *gin.Context) (string, string, bool) {
	project, env := c.Param("project"), c.Param("environment")
	var err error
	switch {
	case s.Freezes == nil:
		err = errorf(http.StatusNotFound, codeNotFound, "freezes are not kept by this server")
	case !namePattern.MatchString(project) || !namePattern.MatchString(env):
		err = errorf(http.StatusBadRequest, codeBadRequest, "project and environment: want letters, digits, '.', '_', '+', '-'")
	default:
		err = s.authorize(c, project, registry.RoleAdmin)
	}
	if err != nil {
		_ = c.Error(err)
		return "", "", false
	}
	return project, env, true
}

func (s *Server) auditFreeze(c *gin.Context, action, project, env, reason string) {
	if s.Audit == nil {
		return
	}
	ctx := c.Request.Context()
	if err := s.Audit.RecordAudit(ctx, ledger.AuditEntry{Actor: triggeredBy(c), Action: action, Project: project,
		Target: env, Channel: channel(c), Outcome: ledger.AuditAllowed, Reason: reason}); err != nil {
		s.logger().WarnContext(ctx, "audit of a freeze failed", "action", action, "project", project, "error", err)
	}
}
