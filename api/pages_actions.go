package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// pageRefusal is an action of the pages' forms refused with a message fit
// for the user (a bad branch, a definition that does not parse, a
// promotion that has ended); web shows it, 403 when forbidden, else 409.
type pageRefusal struct {
	msg       string
	forbidden bool
}

func (e *pageRefusal) Error() string   { return e.msg }
func (e *pageRefusal) Forbidden() bool { return e.forbidden }

// pageError turns the API's client errors (4xx) into refusals the pages
// show; other errors stay as they are, for the pages' generic message.
func pageError(err error) error {
	var he *httpError
	if errors.As(err, &he) && he.status >= 400 && he.status < 500 {
		return &pageRefusal{msg: he.message, forbidden: he.status == http.StatusForbidden}
	}
	var input *pipeline.InputError
	if errors.As(err, &input) {
		return &pageRefusal{msg: input.Error()}
	}
	var pe *pipeline.Error
	if errors.As(err, &pe) {
		return &pageRefusal{msg: "the build definition is not valid: " + err.Error()}
	}
	return err
}

// MayBuild reports whether the pages' signed-in user holds the build role
// on project (always, when nothing is protected).
func (b pageBuilds) MayBuild(ctx context.Context, project string) bool {
	return b.s.pageAllows(ctx, project, registry.RoleBuild)
}

// Start is the pages' Run form: it builds the head of branch of project's
// repository (the registered one, else the one its last build used),
// after the same checks POST /api/v1/builds makes.
func (b pageBuilds) Start(ctx context.Context, project, branch string, inputs map[string]string) (string, error) {
	if err := b.s.authorizeForm(ctx, project, registry.RoleBuild, "build", project); err != nil {
		return "", err
	}
	repository, err := b.s.pageRepository(ctx, project)
	if err != nil {
		return "", err
	}
	req := CreateBuildRequest{Repository: repository, Branch: branch, Inputs: inputs}
	if branch != "" {
		req.Commit = "refs/heads/" + branch
	}
	return b.s.pageBuild(ctx, project, req)
}

// Rerun is the build page's Re-run form: build id again, at its commit.
func (b pageBuilds) Rerun(ctx context.Context, id string) (string, error) {
	st, err := b.State(ctx, id, "")
	if err != nil {
		return "", err
	}
	if err := b.s.authorizeForm(ctx, st.Project, registry.RoleBuild, "rerun", id); err != nil {
		return "", err
	}
	if st.Status == workflows.StatusRunning {
		return "", &pageRefusal{msg: "the build is still running"}
	}
	req := CreateBuildRequest{Repository: st.Repository, Commit: st.Commit, Branch: st.Branch, Rerun: true}
	if len(st.Inputs) > 0 {
		req.Inputs = map[string]string{}
		for _, v := range st.Inputs {
			req.Inputs[v.Name] = v.Value
		}
	}
	return b.s.pageBuild(ctx, st.Project, req)
}

// pageRepository is the repository the pages build project from.
func (s *Server) pageRepository(ctx context.Context, project string) (string, error) {
	if s.Registry != nil {
		if p, ok := s.Registry.Project(project); ok && len(p.Repositories) > 0 {
			return p.Repositories[0], nil
		}
	}
	builds, err := s.History.ListBuilds(ctx, ledger.BuildFilter{Project: project, Limit: 1})
	if err != nil {
		return "", fmt.Errorf("find repository of %s: %w", project, err)
	}
	if len(builds) == 0 || builds[0].Repository == "" {
		return "", &pageRefusal{msg: fmt.Sprintf("no repository is known for project %s: build it once through the API or CLI", project)}
	}
	return builds[0].Repository, nil
}

// pageBuild starts req for the pages as createBuild does: the repository
// must be registered for project, the definition there must be project's,
// and a claimed branch must hold the commit.
func (s *Server) pageBuild(ctx context.Context, project string, req CreateBuildRequest) (string, error) {
	if err := validateBuildRequest(&req); err != nil {
		return "", pageError(err)
	}
	who, _ := web.FormUser(ctx)
	registered, err := s.pageRegistered(ctx, project, req.Repository)
	if err != nil {
		return "", err
	}
	commit, def, info, err := s.describedDefinitionAt(ctx, req.Repository, req.Commit)
	if err != nil {
		return "", pageError(err)
	}
	if def.Project != project {
		return "", &pageRefusal{msg: fmt.Sprintf("the definition at %s is project %s, not %s", shortCommit(commit), def.Project, project), forbidden: true}
	}
	if err := s.pageOnBranch(ctx, registered, req.Repository, commit, requestBranch(&req)); err != nil {
		return "", err
	}
	plan, err := pipeline.NewPlanWithInputs(def, req.Inputs)
	if err != nil {
		return "", pageError(err)
	}
	in := workflows.BuildInput{
		Project: def.Project, Repository: req.Repository, Commit: commit, Branch: requestBranch(&req),
		Plan: plan, Promotion: s.protectedPromotion(ctx, registered, def, requestBranch(&req)),
		Notify: def.Notify, TriggeredBy: cmpOr(who.Name, "web"), Rerun: req.Rerun,

		HeartbeatTimeout: s.TaskHeartbeatTimeout,
		InfraRetries:     s.TaskInfraRetries,
	}
	withCommitInfo(&in, info)
	_, resp, err := s.startBuild(ctx, in, req.Rerun)
	if err != nil {
		return "", err
	}
	return resp.ID, nil
}

// pageRegistered is project's registration for the pages' forms, nil when
// nothing is protected; a refusal when repository is not registered for it.
func (s *Server) pageRegistered(_ context.Context, project, repository string) (*registry.Project, error) {
	if !s.protecting() {
		return nil, nil
	}
	p, ok := s.Registry.Project(project) // authorizeForm refused a nil Registry already
	if !ok || !p.HasRepository(repository) {
		return nil, &pageRefusal{msg: fmt.Sprintf("repository %s is not registered for project %s", gitsource.Redact(repository), project), forbidden: true}
	}
	return p, nil
}

// pageOnBranch refuses, for the pages' forms, a commit that branch of a
// registered project's repository does not hold.
func (s *Server) pageOnBranch(ctx context.Context, registered *registry.Project, repository, commit, branch string) error {
	v, ok := s.Source.(BranchVerifier)
	if !ok || registered == nil || branch == "" {
		return nil
	}
	on, err := v.OnBranch(ctx, repository, commit, branch)
	if err != nil {
		return fmt.Errorf("check branch %s of %s: %w", branch, commit, err)
	}
	if !on {
		return &pageRefusal{msg: fmt.Sprintf("commit %s is not on branch %s", shortCommit(commit), branch), forbidden: true}
	}
	return nil
}

// MayPromote reports whether the pages' signed-in user holds the promote
// role on project.
func (p pagePromotions) MayPromote(ctx context.Context, project string) bool {
	return p.s.pageAllows(ctx, project, registry.RolePromote)
}

// Cancel is the promotion page's Cancel form, for those with the promote role.
func (p pagePromotions) Cancel(ctx context.Context, id string) error {
	if err := p.s.authorizeForm(ctx, projectOfID(id), registry.RolePromote, "cancel", id); err != nil {
		return err
	}
	return promotionPageError(p.Promotions.Cancel(ctx, id))
}

// SkipBake is the promotion page's Skip bake form, for those with the promote role.
func (p pagePromotions) SkipBake(ctx context.Context, id string, sb workflows.SkipBake) error {
	if err := p.s.authorizeForm(ctx, projectOfID(id), registry.RolePromote, "skip-bake", id); err != nil {
		return err
	}
	return promotionPageError(p.Promotions.SkipBake(ctx, id, p.s.signedSkipBake(id, NewRequestID(), sb)))
}

// Changes lists what the promotion of st changes in each environment, for
// the promotion page (its reader may read the project: the page checked).
func (p pagePromotions) Changes(ctx context.Context, st workflows.PromotionState) (map[string]web.EnvChanges, error) {
	resp, err := p.s.changesOf(ctx, st)
	if err != nil {
		return nil, err
	}
	conv := func(cs []gitsource.Commit) []web.Commit {
		out := make([]web.Commit, len(cs))
		for i, c := range cs {
			out[i] = web.Commit{SHA: c.SHA, Author: c.Author, Subject: c.Subject}
		}
		return out
	}
	out := make(map[string]web.EnvChanges, len(resp.Environments))
	for _, e := range resp.Environments {
		out[e.Environment] = web.EnvChanges{CurrentVersion: e.CurrentVersion, Added: conv(e.Added), Removed: conv(e.Removed), More: e.More}
	}
	return out, nil
}

// Rollback is the history page's Roll back form, for those with the
// promote role: a rollback run as POST .../rollback starts one.
func (p pagePromotions) Rollback(ctx context.Context, project, env, to, reason string) (string, error) {
	_, resp, err := p.s.rollback(ctx, p.s.pageCaller(ctx, "rollback", project+"/"+env), project, env, RollbackRequest{To: to, Reason: reason})
	if err != nil {
		return "", pageError(err)
	}
	return resp.ID, nil
}

// Redeploy is the promotion page's Deploy again form, for those with the
// promote role: version again, to env only when given, as POST
// /api/v1/promotions does.
func (p pagePromotions) Redeploy(ctx context.Context, project, version, env, reason string) (string, error) {
	_, resp, err := p.s.promote(ctx, p.s.pageCaller(ctx, "redeploy", project+"/"+version),
		CreatePromotionRequest{Project: project, Version: version, Environment: env, Reason: reason}, "")
	if err != nil {
		return "", pageError(err)
	}
	return resp.ID, nil
}

// pageCaller is the pages' signed-in user asking for a promotion run.
func (s *Server) pageCaller(ctx context.Context, action, target string) promotionCaller {
	who, _ := web.FormUser(ctx)
	return promotionCaller{
		authorize: func(project string, role registry.Role) error {
			return s.authorizeForm(ctx, project, role, action, target)
		},
		repository: func(project, repo string) error {
			if !s.protecting() {
				return nil
			}
			if reg, ok := s.Registry.Project(project); !ok || !reg.HasRepository(repo) {
				return &pageRefusal{msg: fmt.Sprintf("repository %s is not registered for project %s", gitsource.Redact(repo), project), forbidden: true}
			}
			return nil
		},
		triggeredBy: cmpOr(who.Name, "web"),
		requestID:   NewRequestID(),
	}
}

func promotionPageError(err error) error {
	if errors.Is(err, ErrPromotionFinished) {
		return &pageRefusal{msg: "the promotion is not running"}
	}
	return err
}

// pageAllows reports whether the pages' signed-in user may act with role
// on project: always when nothing is protected.
func (s *Server) pageAllows(ctx context.Context, project string, role registry.Role) bool {
	if !s.protecting() {
		return true
	}
	if s.Registry == nil {
		return false
	}
	p, ok := s.Registry.Project(project)
	if !ok {
		return false
	}
	who, _ := web.FormUser(ctx)
	return s.Identity == nil || p.Allows(who, role)
}
