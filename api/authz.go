package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
)

// AuditLog records refused attempts and lists them; *ledger.Ledger implements it.
type AuditLog interface {
	RecordAudit(ctx context.Context, e ledger.AuditEntry) error
	ListAudit(ctx context.Context, q ledger.AuditQuery) ([]ledger.AuditEntry, error)
}

// codeUnregistered answers a request about a project (or repository) that
// is not registered.
const codeUnregistered = "unregistered"

// BranchVerifier tells whether a commit is on a branch of a repository; a
// Source that implements it (*gitsource.Source) lets the API refuse a build
// or version that claims a branch its commit is not on.
type BranchVerifier interface {
	OnBranch(ctx context.Context, repository, commit, branch string) (bool, error)
}

// onBranch refuses (403, audited) a commit of registered project p that is
// claimed to be on branch but is not: protected environments admit versions
// by branch, so the branch must be true.
func (s *Server) onBranch(c *gin.Context, p *registry.Project, repository, commit, branch, action string) error {
	v, ok := s.Source.(BranchVerifier)
	if p == nil || branch == "" || !ok {
		return nil
	}
	on, err := v.OnBranch(c.Request.Context(), repository, commit, branch)
	if err != nil {
		return fmt.Errorf("check branch %s of %s: %w", branch, commit, err)
	}
	if !on {
		return s.refuse(c, http.StatusForbidden, codeForbidden, action, p.Name, commit,
			fmt.Sprintf("commit %s is not on branch %s of %s", commit, branch, gitsource.Redact(repository)))
	}
	return nil
}

// protecting reports whether the API enforces the registration of projects:
// when a projects file or an identity file is configured. Without either
// (local development) every project and repository is accepted.
func (s *Server) protecting() bool { return s.Registry != nil || s.Identity != nil }

// registered returns the registration of project, or nil when nothing is
// protected. An unregistered project is refused (403) and audited as action.
func (s *Server) registered(c *gin.Context, project, action, target string) (*registry.Project, error) {
	if !s.protecting() {
		return nil, nil
	}
	if s.Registry == nil {
		return nil, s.refuse(c, http.StatusForbidden, codeUnregistered, action, project, target,
			fmt.Sprintf("project %s is not registered: an identity file is configured but no projects file (set DROVER_PROJECTS_FILE)", project))
	}
	p, ok := s.Registry.Project(project)
	if !ok {
		return nil, s.refuse(c, http.StatusForbidden, codeUnregistered, action, project, target,
			fmt.Sprintf("project %s is not registered", project))
	}
	return p, nil
}

// registeredRepository returns the registration of project after checking
// that it lists repository; a repository it does not list is refused (403).
func (s *Server) registeredRepository(c *gin.Context, project, repository, action string) (*registry.Project, error) {
	p, err := s.registered(c, project, action, repository)
	if err != nil || p == nil {
		return p, err
	}
	if !p.HasRepository(repository) {
		return nil, s.refuse(c, http.StatusForbidden, codeUnregistered, action, project, gitsource.Redact(repository),
			fmt.Sprintf("repository %s is not registered for project %s", gitsource.Redact(repository), project))
	}
	return p, nil
}

// knownRepository checks, before anything is read from repository, that
// some project lists it: a repository no project lists is refused (403), so
// that no one makes the API fetch an arbitrary URL or server path.
func (s *Server) knownRepository(c *gin.Context, repository, action string) error {
	if !s.protecting() {
		return nil
	}
	if s.Registry == nil {
		return s.refuse(c, http.StatusForbidden, codeUnregistered, action, "", gitsource.Redact(repository),
			"no project is registered: an identity file is configured but no projects file (set DROVER_PROJECTS_FILE)")
	}
	if _, ok := s.Registry.ForRepository(repository); !ok {
		return s.refuse(c, http.StatusForbidden, codeUnregistered, action, "", gitsource.Redact(repository),
			fmt.Sprintf("repository %s is not registered for any project", gitsource.Redact(repository)))
	}
	return nil
}

// protectedPromotion is the promotion a build of def starts when it
// succeeds: def's environments made to meet p's registration. A definition
// that leaves out a protected environment builds but promotes nothing.
//
// It walks the pipeline drover.yaml chooses for the branch
// (promotion.branch_pipelines, default_pipeline), and a build whose tasks
// do not store every artifact the project requires (promotion.artifacts
// and the registration's) promotes nothing either: its version would lack
// them.
func (s *Server) protectedPromotion(ctx context.Context, p *registry.Project, def *pipeline.Project, branch string) *pipeline.Promotion {
	if def.Promotion == nil || len(def.Promotion.Environments) == 0 {
		return def.Promotion
	}
	if missing := pipeline.MissingArtifacts(p.RequiredArtifacts(def.Promotion.Artifacts), def.BuildArtifacts()); len(missing) > 0 {
		s.logger().WarnContext(ctx, "build will not be promoted", "project", def.Project,
			"reason", "its tasks store no "+missingText(missing)+": register its version with POST /api/v1/artifacts")
		return nil
	}
	envs := def.Promotion.Environments
	if p != nil {
		var err error
		if envs, err = p.Protect(envs, branch); err != nil {
			s.logger().WarnContext(ctx, "build will not be promoted", "project", p.Name, "reason", err.Error())
			return nil
		}
	}
	name, err := definitionPipeline(p, def, branch)
	if err != nil {
		s.logger().WarnContext(ctx, "build will not be promoted", "project", def.Project, "reason", err.Error())
		return nil
	}
	if name != "" {
		if envs, err = def.Promotion.Along(envs, name); err != nil {
			s.logger().WarnContext(ctx, "build will not be promoted", "project", def.Project, "reason", err.Error())
			return nil
		}
	}
	if p == nil && len(envs) == len(def.Promotion.Environments) {
		return def.Promotion
	}
	return &pipeline.Promotion{Environments: envs}
}

// authorize checks that the caller holds role on project: a 403 naming the
// missing role when not (audited), nil when it does. Without an identity
// file only the registration is checked (the project must be registered
// when a projects file is configured); roles need authenticated callers.
func (s *Server) authorize(c *gin.Context, project string, role registry.Role) error {
	action, target := routeAction(c)
	p, err := s.registered(c, project, action, target)
	if err != nil || p == nil || s.Identity == nil {
		return err
	}
	if _, ok := c.Get(callerKey); !ok && !s.identify(c) {
		return unauthorized("authentication required: send Authorization: Bearer <token>")
	}
	who := caller(c)
	if p.Allows(who, role) {
		return nil
	}
	name := who.Name
	if name == "" {
		name = "anonymous"
	}
	return s.refuse(c, http.StatusForbidden, codeForbidden, action, project, target,
		fmt.Sprintf("%s lacks role %s on project %s", name, role, project))
}

// mayRead checks that the caller may read project's builds, promotions,
// logs, artifacts and environments: always without an identity file, to
// anyone when the project's reads are public, else to holders of a role
// (401 without credentials, 403 otherwise).
func (s *Server) mayRead(c *gin.Context, project string) error {
	if s.Identity == nil {
		return nil
	}
	// A read of an unregistered project is refused without an audit entry,
	// so that anonymous requests cannot fill the audit log.
	p, ok := s.Registry.Project(project)
	if !ok {
		return errorf(http.StatusForbidden, codeUnregistered, "project %s is not registered", project)
	}
	if p.PublicReads() {
		return nil
	}
	return s.authorize(c, project, registry.RoleBuild)
}

// readableID checks that the caller may read the build or promotion whose
// ID idOf reads, recording the refusal in c when not. A request without an
// ID passes, for the handler to answer.
func (s *Server) readableID(c *gin.Context, idOf func(*gin.Context) (string, error)) bool {
	id, err := idOf(c)
	if err != nil {
		return true
	}
	if err := s.mayRead(c, projectOfID(id)); err != nil {
		_ = c.Error(err)
		return false
	}
	return true
}

// readable keeps the entries of projects the caller may read.
func readable[E any](entries []E, may func(string) bool, project func(E) string) []E {
	out := make([]E, 0, len(entries))
	for _, e := range entries {
		if may(project(e)) {
			out = append(out, e)
		}
	}
	return out
}

// readFilter answers, for lists, whether the caller may read a project,
// without audit: lists leave out what the caller may not read.
func (s *Server) readFilter(c *gin.Context) func(project string) bool {
	if s.Identity == nil {
		return func(string) bool { return true }
	}
	_, known := c.Get(callerKey)
	if !known && c.GetHeader("Authorization") != "" {
		if user, err := s.Identity.Authenticate(c.Request); err == nil {
			c.Set(callerKey, user)
		}
	}
	who := caller(c)
	return func(project string) bool {
		p, ok := s.Registry.Project(project)
		return ok && mayRead(p, who)
	}
}

// mayRead is the read rule of a registered project: public reads, or a role on it.
func mayRead(p *registry.Project, who identity.User) bool {
	return p.PublicReads() || p.Allows(who, registry.RoleBuild)
}

// refuse records a refused attempt in the audit log and returns the error
// to answer with.
func (s *Server) refuse(c *gin.Context, status int, code, action, project, target, reason string) error {
	s.audit(c, ledger.AuditEntry{Actor: actorOf(c), Action: action, Project: project, Target: target,
		Channel: channel(c), Outcome: ledger.AuditRefused, Reason: reason})
	return errorf(status, code, "%s", reason)
}

// audit records e; a failure to record is logged, never answered.
func (s *Server) audit(c *gin.Context, e ledger.AuditEntry) { s.auditCtx(c.Request.Context(), e) }

func (s *Server) auditCtx(ctx context.Context, e ledger.AuditEntry) {
	s.logger().WarnContext(ctx, "request refused", "actor", e.Actor, "action", e.Action, "project", e.Project,
		"channel", e.Channel, "reason", e.Reason)
	if s.Audit == nil {
		return
	}
	if err := s.Audit.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		s.logger().ErrorContext(ctx, "record audit failed", "action", e.Action, "project", e.Project, "error", err)
	}
}

// actorOf names the caller for the audit: the authenticated user, the
// claimed one without an identity file, or "anonymous".
func actorOf(c *gin.Context) string {
	if name := caller(c).Name; name != "" {
		return name
	}
	if u := strings.TrimSpace(c.GetHeader(UserHeader)); u != "" && !hasControl(u) && len(u) <= 100 {
		return "anonymous (claims " + u + ")"
	}
	return "anonymous"
}

// routeAction names what a request attempts, and on what, for the audit.
func routeAction(c *gin.Context) (action, target string) {
	route := c.FullPath()
	target = c.Query("id")
	if target == "" {
		target = c.Param("id")
	}
	switch {
	case c.Request.Method == http.MethodGet:
		return "read", c.Request.URL.Path
	case strings.HasSuffix(route, "/approve"):
		action = "approve"
	case strings.HasSuffix(route, "/reject"):
		action = "reject"
	case strings.HasSuffix(route, "/skip-bake"):
		action = "skip-bake"
	case strings.HasSuffix(route, "/cancel"):
		action = "cancel"
	case route == "/api/v1/builds":
		action = "build"
	case route == "/api/v1/promotions":
		action = "promote"
	case route == "/api/v1/artifacts":
		action = "register"
	case strings.HasPrefix(route, "/api/v1/hooks/"):
		action = "webhook"
	default:
		action = strings.ToLower(c.Request.Method) + " " + route
	}
	return action, target
}

// projectOfID is the project of a build (build/<project>/<commit>) or
// promotion (promote/<project>/<version>) ID.
func projectOfID(id string) string {
	parts := strings.SplitN(id, "/", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// protect applies the registration of p to the environments of def for a
// version built from branch; def is untrusted.
func protect(p *registry.Project, def *pipeline.Project, branch string) ([]pipeline.Environment, error) {
	envs, err := p.Protect(def.Promotion.Environments, branch)
	var perr *registry.ProtectionError
	if errors.As(err, &perr) {
		return nil, errorf(http.StatusForbidden, codeForbidden, "%s", perr.Error())
	}
	return envs, err
}

// listAudit serves GET /api/v1/audit?project=P&limit=N to the admins of P,
// or, without a project, to the global admins of the projects file.
func (s *Server) listAudit(c *gin.Context) {
	project := c.Query("project")
	limit := 100
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n <= 0 {
			_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "limit must be a positive number"))
			return
		}
		limit = n
	}
	if s.Identity != nil {
		if _, ok := c.Get(callerKey); !ok && !s.identify(c) {
			return
		}
		who := caller(c)
		if project == "" && !s.Registry.GlobalAdmin(who) {
			_ = c.Error(s.refuse(c, http.StatusForbidden, codeForbidden, "audit", "", "",
				fmt.Sprintf("%s is not a global admin: give ?project= of a project you administer", who.Name)))
			return
		}
		if project != "" && !s.Registry.GlobalAdmin(who) {
			if err := s.authorize(c, project, registry.RoleAdmin); err != nil {
				_ = c.Error(err)
				return
			}
		}
	}
	if s.Audit == nil {
		c.JSON(http.StatusOK, AuditResponse{Entries: []rest.AuditEntry{}})
		return
	}
	entries, err := s.Audit.ListAudit(c.Request.Context(), ledger.AuditQuery{Project: project, Limit: limit})
	if err != nil {
		_ = c.Error(fmt.Errorf("list audit: %w", err))
		return
	}
	c.JSON(http.StatusOK, AuditResponse{Entries: restRows(entries, func(e ledger.AuditEntry) rest.AuditEntry { return rest.AuditEntry(e) })})
}

// forbiddenError is a refusal of the web pages' forms: the pages answer 403
// with its message.
type forbiddenError struct{ msg string }

func (e *forbiddenError) Error() string   { return e.msg }
func (e *forbiddenError) Forbidden() bool { return true }

// authorizeForm is authorize for a form of the web pages, whose signed-in
// user the pages put in ctx (web.FormUser): a *forbiddenError when the user
// may not act with role on project (audited with channel web).
func (s *Server) authorizeForm(ctx context.Context, project string, role registry.Role, action, target string) error {
	who, _ := web.FormUser(ctx)
	return s.authorizeUser(ctx, who, project, role, action, target, "web")
}

// authorizeUser checks, outside an API request (web forms, Slack), that who
// holds role on project; a *forbiddenError (audited with channel) when not.
func (s *Server) authorizeUser(ctx context.Context, who identity.User, project string, role registry.Role, action, target, channel string) error {
	if !s.protecting() {
		return nil
	}
	name := cmpOr(who.Name, "anonymous")
	refuse := func(reason string) error {
		s.auditCtx(ctx, ledger.AuditEntry{Actor: name, Action: action, Project: project,
			Target: target, Channel: channel, Outcome: ledger.AuditRefused, Reason: reason})
		return &forbiddenError{msg: reason}
	}
	if s.Registry == nil {
		return refuse(fmt.Sprintf("project %s is not registered: an identity file is configured but no projects file (set DROVER_PROJECTS_FILE)", project))
	}
	p, ok := s.Registry.Project(project)
	if !ok {
		return refuse(fmt.Sprintf("project %s is not registered", project))
	}
	if s.Identity != nil && !p.Allows(who, role) {
		return refuse(fmt.Sprintf("%s lacks role %s on project %s", name, role, project))
	}
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
