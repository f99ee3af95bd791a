package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

func (s *Server) createPromotion(c *gin.Context) {
	var req CreatePromotionRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		_ = c.Error(err)
		return
	}
	caller, err := s.apiCaller(c, req.RequestID)
	if err != nil {
		_ = c.Error(err)
		return
	}
	s.answerPromotion(c)(s.promote(c.Request.Context(), caller, req, ""))
}

// promotionCaller is who asks for a promotion run: an API request or a
// page's form. promote calls back to check roles and repositories the way
// that channel does (and audits refusals).
type promotionCaller struct {
	authorize   func(project string, role registry.Role) error
	repository  func(project, repository string) error
	triggeredBy string
	requestID   string
}

// apiCaller is the caller of an API request; requestID is the body's
// request id, else the Idempotency-Key header's, else a new one.
func (s *Server) apiCaller(c *gin.Context, requestID string) (promotionCaller, error) {
	id, err := decisionRequestID(c, requestID)
	return promotionCaller{
		authorize: func(project string, role registry.Role) error { return s.authorize(c, project, role) },
		repository: func(project, repo string) error {
			_, err := s.registeredRepository(c, project, repo, "promote")
			return err
		},
		triggeredBy: triggeredBy(c),
		requestID:   id,
	}, err
}

// answerPromotion writes what promote returns as the API's answer.
func (s *Server) answerPromotion(c *gin.Context) func(int, PromotionStartedResponse, error) {
	return func(status int, resp PromotionStartedResponse, err error) {
		if err != nil {
			_ = c.Error(err)
			return
		}
		c.JSON(status, resp)
	}
}

// promote starts a promotion of a registered version: the whole pipeline
// the first time, again as a redeploy once its first promotion has ended,
// or to one environment (req.Environment) as a redeploy, or, with
// req.Rollback, as a rollback. of names the promotion a rollback undoes.
func (s *Server) promote(ctx context.Context, who promotionCaller, req CreatePromotionRequest, of string) (int, PromotionStartedResponse, error) {
	if !namePattern.MatchString(req.Project) || !namePattern.MatchString(req.Version) {
		return 0, PromotionStartedResponse{}, errorf(http.StatusBadRequest, codeBadRequest, "project and version are required")
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Rollback && req.Reason == "" {
		return 0, PromotionStartedResponse{}, errorf(http.StatusBadRequest, codeBadRequest, "a rollback needs a reason")
	}
	if len(req.Reason) > maxReasonBytes || hasControlButNewline(req.Reason) {
		return 0, PromotionStartedResponse{}, errorf(http.StatusBadRequest, codeBadRequest, "reason: at most %d bytes of text", maxReasonBytes)
	}
	role := registry.RolePromote
	if req.Definition != "" {
		role = registry.RoleAdmin // a definition by hand may only come from an admin
	}
	if err := who.authorize(req.Project, role); err != nil {
		return 0, PromotionStartedResponse{}, err
	}
	registered, _ := s.Registry.Project(req.Project)
	v, err := s.PromotionLedger.GetArtifactVersion(ctx, req.Project, req.Version)
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, PromotionStartedResponse{}, errorf(http.StatusNotFound, codeNotFound, "version %s of %s is not registered", req.Version, req.Project)
	}
	if err != nil {
		return 0, PromotionStartedResponse{}, fmt.Errorf("look up version %s of %s: %w", req.Version, req.Project, err)
	}
	repo := strings.TrimSpace(req.Repository)
	var def *pipeline.Project
	if req.Definition != "" {
		// The repository, when given, is where the promotion's steps check
		// out from: the registration must list it, definition or not.
		if repo != "" {
			err = who.repository(req.Project, repo)
		}
		if err == nil {
			def, err = s.promotionDefinition(ctx, req.Project, []byte(req.Definition), "given", "", "")
		}
	} else {
		if repo == "" {
			repo, err = s.repositoryOf(ctx, v)
		}
		if err == nil {
			err = who.repository(req.Project, repo)
		}
		if err == nil {
			def, _, err = s.environmentsAt(ctx, req.Project, repo, v.Commit)
		}
	}
	if err == nil {
		err = refuseIncomplete(v, registered.RequiredArtifacts(def.Promotion.Artifacts))
	}
	var envs []pipeline.Environment
	if err == nil {
		envs, err = protect(registered, def, v.Branch)
	}
	if err == nil && req.Pipeline != "" {
		err = namedPipeline(who.authorize, registered, def, req.Pipeline)
	} else if err == nil && req.Environment == "" && !req.Rollback {
		req.Pipeline, err = definitionPipeline(registered, def, v.Branch)
	}
	if err == nil && req.Pipeline != "" {
		envs, err = alongPipeline(def, envs, req.Pipeline)
	}
	if err == nil && req.Environment != "" {
		envs, err = onlyEnvironment(envs, req.Environment, v)
	}
	if err == nil {
		err = s.olderGuard(ctx, v, envs, req.Rollback)
	}
	if err != nil {
		return 0, PromotionStartedResponse{}, err
	}
	in := workflows.PromotionInput{
		Project: v.Project, Version: v.Version, Commit: v.Commit, Branch: v.Branch, Repository: repo,
		BuildID: v.BuildID, TriggeredBy: who.triggeredBy, RegisteredBy: v.RegisteredBy, Environments: envs, Notify: def.Notify,
		Reason: req.Reason, Artifacts: artifactRefs(v.Artifacts),
	}
	switch {
	case req.Rollback:
		in.Kind, in.Of = contracts.KindRollback, of
	case req.Environment != "":
		in.Kind, in.Of = contracts.KindRedeploy, contracts.PromotionID(v.Project, v.Version)
	default:
		// The version's first promotion, unless it exists and has ended:
		// then this is a redeploy of the whole pipeline.
		first := contracts.PromotionID(v.Project, v.Version)
		running, err := s.promotionRunning(ctx, first)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return 0, PromotionStartedResponse{}, fmt.Errorf("state of promotion %s: %w", first, err)
		case !running:
			in.Kind, in.Of = contracts.KindRedeploy, first
		}
	}
	if in.Kind != "" {
		in.RequestID = who.requestID
	}
	return s.startPromotionRun(ctx, in)
}

// promotionRunning reports whether promotion id runs: from Temporal's
// description when the Promotions can tell (no worker needed), else from
// its state.
func (s *Server) promotionRunning(ctx context.Context, id string) (bool, error) {
	if r, ok := s.Promotions.(interface {
		Running(ctx context.Context, id string) (bool, error)
	}); ok {
		return r.Running(ctx, id)
	}
	st, err := s.Promotions.State(ctx, id, "")
	return err == nil && st.Status == workflows.PromotionRunning, err
}

// maxReasonBytes bounds the reason of a redeploy or rollback.
const maxReasonBytes = 1000

func hasControlButNewline(s string) bool {
	return hasControl(strings.ReplaceAll(s, "\n", ""))
}

// definitionPipeline is the pipeline drover.yaml chooses for a version of
// branch (promotion.branch_pipelines, default_pipeline), "" for none. As
// drover.yaml may not leave out an environment the registration p
// protects, neither may the pipeline it chooses: such a choice is a 403
// (a project admin may still ask for that pipeline by name).
func definitionPipeline(p *registry.Project, def *pipeline.Project, branch string) (string, error) {
	name := def.Promotion.PipelineFor(branch)
	if name == "" {
		return "", nil
	}
	if env := leftOutProtected(p, def, name); env != "" {
		return "", errorf(http.StatusForbidden, codeForbidden,
			"%s chooses pipeline %s for branch %q (default_pipeline or branch_pipelines): it leaves out environment %s, which the registration of project %s protects; a project admin may ask for the pipeline by name",
			pipeline.OriginDefinition, name, branch, env, p.Name)
	}
	return name, nil
}

// namedPipeline allows a promotion along pipeline name, asked for by name:
// one that leaves out an environment the registration p protects needs
// the project's admin role (authorize), since the pipeline's environments
// come from the commit's drover.yaml, which its author wrote.
func namedPipeline(authorize func(project string, role registry.Role) error, p *registry.Project, def *pipeline.Project, name string) error {
	env := leftOutProtected(p, def, name)
	if env == "" {
		return nil
	}
	err := authorize(p.Name, registry.RoleAdmin)
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusForbidden {
		// Say why the admin role is asked for; other errors (a 401, the
		// identity file unreadable) are told as they are.
		return errorf(http.StatusForbidden, codeForbidden,
			"pipeline %s leaves out environment %s, which the registration of project %s protects: only an admin of the project may promote along it (%s defines its environments)",
			name, env, p.Name, DefinitionFile)
	}
	return err
}

// leftOutProtected is the first environment the registration p protects
// that def's pipeline name does not walk, "" when it walks them all (or
// there is no registration, or no such pipeline).
func leftOutProtected(p *registry.Project, def *pipeline.Project, name string) string {
	walks, ok := def.Promotion.Pipelines[name]
	if p == nil || !ok {
		return ""
	}
	for _, prot := range p.Environments {
		if !slices.Contains(walks, prot.Name) {
			return prot.Name
		}
	}
	return ""
}

// alongPipeline keeps the environments of envs (def's, protected) that
// def's pipeline name walks.
func alongPipeline(def *pipeline.Project, envs []pipeline.Environment, name string) ([]pipeline.Environment, error) {
	out, err := def.Promotion.Along(envs, name)
	if errors.Is(err, pipeline.ErrUnknownPipeline) {
		return nil, errorf(http.StatusNotFound, codeNotFound, "project %s has no pipeline %q", def.Project, name)
	}
	return out, err
}

// onlyEnvironment keeps environment env of envs (a redeploy there), which
// must hold v's branch.
func onlyEnvironment(envs []pipeline.Environment, env string, v ledger.ArtifactVersion) ([]pipeline.Environment, error) {
	for _, e := range envs {
		if e.Name != env {
			continue
		}
		if !e.AcceptsBranch(v.Branch) {
			return nil, errorf(http.StatusConflict, codeConflict, "version %s was built from branch %q, which %s does not take (%s)",
				v.Version, v.Branch, env, strings.Join(e.Branches, ", "))
		}
		return []pipeline.Environment{e}, nil
	}
	return nil, errorf(http.StatusNotFound, codeNotFound, "project %s has no environment %q", v.Project, env)
}

// olderGuard refuses to deploy v where a newer version runs, unless the
// caller asked for a rollback: a version is older when it was registered
// before the one running there.
func (s *Server) olderGuard(ctx context.Context, v ledger.ArtifactVersion, envs []pipeline.Environment, rollback bool) error {
	if rollback {
		return nil
	}
	current, err := s.PromotionLedger.Environments(ctx, v.Project)
	if err != nil {
		return fmt.Errorf("environments of %s: %w", v.Project, err)
	}
	for _, e := range envs {
		for _, cur := range current {
			if cur.Environment != e.Name || cur.Version == v.Version {
				continue
			}
			running, err := s.PromotionLedger.GetArtifactVersion(ctx, v.Project, cur.Version)
			if err != nil {
				continue // a version the ledger no longer knows: nothing to compare
			}
			if v.CreatedAt.Before(running.CreatedAt) {
				return errorf(http.StatusConflict, codeConflict,
					"version %s is older than %s, which %s runs: deploying it there is a rollback (drover rollback %s %s --to %s, or \"rollback\": true with a reason)",
					v.Version, cur.Version, e.Name, v.Project, e.Name, v.Version)
			}
		}
	}
	return nil
}

// rollbackEnvironment serves POST /api/v1/environments/{project}/{environment}/rollback:
// a rollback run of the environment to body.To, by default the version it
// ran before the current one, through its registered gates.
func (s *Server) rollbackEnvironment(c *gin.Context) {
	var body RollbackRequest
	if err := decodeJSON(c.Request.Body, &body); err != nil {
		_ = c.Error(err)
		return
	}
	caller, err := s.apiCaller(c, body.RequestID)
	if err != nil {
		_ = c.Error(err)
		return
	}
	s.answerPromotion(c)(s.rollback(c.Request.Context(), caller, c.Param("project"), c.Param("environment"), body))
}

// rollback starts a rollback run of environment env of project to body.To,
// by default the version it ran before the current one.
func (s *Server) rollback(ctx context.Context, who promotionCaller, project, env string, body RollbackRequest) (int, PromotionStartedResponse, error) {
	if err := who.authorize(project, registry.RolePromote); err != nil {
		return 0, PromotionStartedResponse{}, err
	}
	history, err := s.PromotionLedger.EnvironmentHistory(ctx, project, env, MaxListLimit)
	if err != nil {
		return 0, PromotionStartedResponse{}, fmt.Errorf("history of %s/%s: %w", project, env, err)
	}
	target, of, err := rollbackTarget(history, body.To)
	if err != nil {
		return 0, PromotionStartedResponse{}, err
	}
	return s.promote(ctx, who, CreatePromotionRequest{Project: project, Version: target, Environment: env, Rollback: true,
		Reason: body.Reason}, of)
}

// rollbackTarget picks the version to roll back to from an environment's
// history (newest first): to when given (it must have been deployed there),
// else the last version deployed before the current one. of is the
// promotion of the current deployment.
func rollbackTarget(history []ledger.Deployment, to string) (string, string, error) {
	var current *ledger.Deployment
	for i := range history {
		if history[i].Result == ledger.ResultDeployed {
			current = &history[i]
			break
		}
	}
	if current == nil {
		return "", "", errorf(http.StatusConflict, codeConflict, "nothing runs in this environment: nothing to roll back")
	}
	for _, d := range history {
		if d.Result != ledger.ResultDeployed || d.Version == current.Version {
			continue
		}
		if to == "" || d.Version == to {
			return d.Version, current.PromotionID, nil
		}
	}
	if to == current.Version {
		return "", "", errorf(http.StatusConflict, codeConflict, "%s runs there already; to deploy it again, redeploy it", to)
	}
	if to != "" {
		return "", "", errorf(http.StatusNotFound, codeNotFound, "version %s was never deployed there", to)
	}
	return "", "", errorf(http.StatusConflict, codeConflict, "no earlier version was deployed there: nothing to roll back to")
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
	// A version registered from outside, of a project that registers one
	// repository: that one.
	if p, ok := s.Registry.Project(v.Project); ok && len(p.Repositories) == 1 {
		return p.Repositories[0], nil
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
