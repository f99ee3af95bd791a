package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/secrets"
)

// SecretStore sets, lists and removes the secrets of projects;
// *secrets.Secrets over the ledger implements it.
type SecretStore interface {
	Set(ctx context.Context, project, environment, name string, value []byte, by string) error
}

// SecretLedger lists and removes secrets; *ledger.Ledger implements it.
type SecretLedger interface {
	ListSecrets(ctx context.Context, project string) ([]secrets.Record, error)
	DeleteSecret(ctx context.Context, project, environment, name string) error
}

// AuditRecorder records audited actions; *ledger.Ledger implements it.
type AuditRecorder interface {
	RecordAudit(ctx context.Context, e ledger.AuditEntry) error
}

// DefaultTrustedBranches are the branches whose builds receive secrets when
// the project's registration says nothing.
var DefaultTrustedBranches = []string{"main", "master"}

// secretsAllowed tells whether builds of branch (and promotions of what they
// built) may receive project's secrets: without a registry, only builds of
// DefaultTrustedBranches do, so a pushed feature branch, whose drover.yaml
// anyone with push access wrote, gets none.
// With a registry, the project's trusted_branches decide (an unregistered
// project gets none).
func (s *Server) secretsAllowed(project, branch string) bool {
	if s.Registry != nil {
		p, ok := s.Registry.Project(project)
		return ok && p.TrustedBranch(branch)
	}
	return slices.Contains(DefaultTrustedBranches, branch)
}

// mayAdminSecrets lets only project administrators manage project's
// secrets (the admin role of its registration; anyone in local development
// without an identity file).
func (s *Server) mayAdminSecrets(c *gin.Context, project string) error {
	if _, ok := c.Get(callerKey); !ok && !s.identify(c) {
		return nil // identify recorded the 401
	}
	if s.Identity != nil && caller(c).Name == "" {
		return unauthorized("authentication required: send Authorization: Bearer <token>")
	}
	return s.authorize(c, project, registry.RoleAdmin)
}

// secretsRoute checks what every secrets route needs: a store, a valid
// project and name, an administrator. It reports the error and returns false.
func (s *Server) secretsRoute(c *gin.Context, withName bool) (project, name string, ok bool) {
	if s.Secrets == nil || s.SecretLedger == nil {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "secrets are not configured on this server (DROVER_SECRETS_KEY)"))
		return "", "", false
	}
	project = c.Param("project")
	if project == "" || hasControl(project) {
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "missing project"))
		return "", "", false
	}
	if len(c.Errors) == 0 {
		if err := s.mayAdminSecrets(c, project); err != nil {
			_ = c.Error(err)
		}
	}
	if len(c.Errors) > 0 {
		return "", "", false
	}
	if withName {
		name = c.Param("name")
		if err := secrets.ValidName(name); err != nil {
			_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "%s", err.Error()))
			return "", "", false
		}
	}
	return project, name, true
}

func (s *Server) setSecret(c *gin.Context) {
	project, name, ok := s.secretsRoute(c, true)
	if !ok {
		return
	}
	var req SetSecretRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		_ = c.Error(err)
		return
	}
	switch {
	case hasControl(req.Environment):
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "invalid environment"))
		return
	case req.Value == "":
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "secret %s: value is empty", name))
		return
	case len(req.Value) > secrets.MaxValueSize:
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "secret %s: value is larger than %d bytes", name, secrets.MaxValueSize))
		return
	}
	ctx := c.Request.Context()
	by := triggeredBy(c)
	if err := s.Secrets.Set(ctx, project, req.Environment, name, []byte(req.Value), by); err != nil {
		if errors.Is(err, secrets.ErrNoKey) {
			_ = c.Error(errorf(http.StatusServiceUnavailable, codeUnavailable, "secrets are not configured on this server (DROVER_SECRETS_KEY)"))
			return
		}
		// A store failure: mapped to a 500 that says nothing of it.
		_ = c.Error(err)
		return
	}
	s.auditSecret(ctx, c, "secret.set", project, req.Environment, name)
	c.JSON(http.StatusOK, SecretInfo{Project: project, Environment: req.Environment, Name: name, SetBy: by, SetAt: time.Now().UTC()})
}

func (s *Server) listSecrets(c *gin.Context) {
	project, _, ok := s.secretsRoute(c, false)
	if !ok {
		return
	}
	recs, err := s.SecretLedger.ListSecrets(c.Request.Context(), project)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := SecretList{Secrets: []SecretInfo{}}
	for _, r := range recs {
		out.Secrets = append(out.Secrets, SecretInfo{Project: r.Project, Environment: r.Environment, Name: r.Name, SetBy: r.SetBy, SetAt: r.SetAt})
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) deleteSecret(c *gin.Context) {
	project, name, ok := s.secretsRoute(c, true)
	if !ok {
		return
	}
	env := c.Query("environment")
	ctx := c.Request.Context()
	if err := s.SecretLedger.DeleteSecret(ctx, project, env, name); err != nil {
		if errors.Is(err, secrets.ErrNotFound) {
			_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "secret %s is not set for %s", name, scopeOf(project, env)))
			return
		}
		_ = c.Error(err)
		return
	}
	s.auditSecret(ctx, c, "secret.rm", project, env, name)
	c.Status(http.StatusNoContent)
}

func scopeOf(project, env string) string {
	if env == "" {
		return "project " + project
	}
	return "environment " + env + " of " + project
}

// auditSecret records an allowed change of a secret; a failure to record is
// only logged, as the change is done.
func (s *Server) auditSecret(ctx context.Context, c *gin.Context, action, project, env, name string) {
	if s.Audit == nil {
		return
	}
	target := name
	if env != "" {
		target = env + "/" + name
	}
	if err := s.Audit.RecordAudit(ctx, ledger.AuditEntry{Actor: triggeredBy(c), Action: action, Project: project,
		Target: target, Channel: channel(c), Outcome: ledger.AuditAllowed}); err != nil {
		s.logger().WarnContext(ctx, "audit of a secret change failed", "action", action, "project", project, "error", err)
	}
}
