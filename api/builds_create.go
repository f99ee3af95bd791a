package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// UserHeader names who triggers a build when no identity file is configured
// (local development); without it the trigger is "api". With an identity
// file it is ignored: the authenticated user triggers.
const UserHeader = "X-Drover-User"

func (s *Server) createBuild(c *gin.Context) {
	var req CreateBuildRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		_ = c.Error(err)
		return
	}
	if err := validateBuildRequest(&req); err != nil {
		_ = c.Error(err)
		return
	}
	status, resp, err := s.startRequested(c, req, nil, "")
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(status, resp)
}

// startRequested starts the build req asks for (validated), as the caller of
// c: the repository must be registered for the project its definition names
// and the caller may build it. A non-nil upstream, a successful build that
// the definition's triggers.upstream names, links the build to it,
// triggered by actor; a definition that does not name it is refused
// (errNotTriggered).
func (s *Server) startRequested(c *gin.Context, req CreateBuildRequest, upstream *contracts.Upstream,
	actor string) (int, CreateBuildResponse, error) {
	ctx := c.Request.Context()
	if err := s.knownRepository(c, req.Repository, "build"); err != nil {
		return 0, CreateBuildResponse{}, err
	}
	var registered *registry.Project
	commit, project, info, err := s.describedDefinitionAt(ctx, req.Repository, req.Commit)
	if err == nil && upstream != nil {
		var trigger *pipeline.UpstreamTrigger
		if project.Triggers != nil {
			trigger = project.Triggers.Upstream
		}
		if !trigger.Matches(upstream.Project, upstream.Branch) || requestBranch(&req) != upstream.Branch {
			err = errNotTriggered
		}
	}
	if err == nil {
		registered, err = s.registeredRepository(c, project.Project, req.Repository, "build")
	}
	if err == nil {
		err = s.authorize(c, project.Project, registry.RoleBuild)
	}
	if err == nil {
		err = s.onBranch(c, registered, req.Repository, commit, requestBranch(&req), "build")
	}
	if err != nil {
		return 0, CreateBuildResponse{}, err
	}
	plan, err := pipeline.NewPlanWithInputs(project, req.Inputs)
	if err != nil {
		return 0, CreateBuildResponse{}, err
	}
	notify, err := withCallback(project.Notify, req.CallbackURL)
	if err != nil {
		return 0, CreateBuildResponse{}, err
	}
	in := workflows.BuildInput{
		Project:     project.Project,
		Repository:  req.Repository,
		Commit:      commit,
		Branch:      requestBranch(&req),
		Plan:        plan,
		Promotion:   s.protectedPromotion(ctx, registered, project, requestBranch(&req)),
		Notify:      notify,
		TriggeredBy: triggeredBy(c),
		Rerun:       req.Rerun,

		HeartbeatTimeout: s.TaskHeartbeatTimeout,
		InfraRetries:     s.TaskInfraRetries,
	}
	if upstream != nil {
		in.Upstream, in.TriggeredBy = upstream, actor
	}
	withCommitInfo(&in, info)
	return s.startBuild(ctx, in, req.Rerun)
}

// definitionAt resolves ref in repository and reads and parses the
// definition at that commit, with its includes. Its errors are ready for c.Error: a ref that
// does not resolve or a missing definition is a 400, and so is a bad one.
func (s *Server) definitionAt(ctx context.Context, repository, ref string) (string, *pipeline.Project, error) {
	commit, project, _, err := s.describedDefinitionAt(ctx, repository, ref)
	return commit, project, err
}

// describedDefinitionAt is definitionAt, and the commit's subject and author
// when the source read them along with the definition (zero otherwise).
func (s *Server) describedDefinitionAt(ctx context.Context, repository, ref string) (string, *pipeline.Project, gitsource.CommitInfo, error) {
	commit, data, info, err := s.readDefinition(ctx, repository, ref)
	if err != nil {
		return "", nil, gitsource.CommitInfo{}, err
	}
	project, err := s.parseDefinition(ctx, repository, commit, data)
	if err != nil {
		return "", nil, gitsource.CommitInfo{}, err // mapped to bad_definition
	}
	return commit, project, info, nil
}

// readDefinition resolves ref in repository and reads the definition at
// that commit, with the commit's description when the source reads both in
// one go (a webhook's full SHA of a local repository: one round trip to git
// instead of three).
func (s *Server) readDefinition(ctx context.Context, repository, ref string) (string, []byte, gitsource.CommitInfo, error) {
	repo := gitsource.Redact(repository)
	unresolved := func(err error) (string, []byte, gitsource.CommitInfo, error) {
		s.logger().WarnContext(ctx, "resolve commit failed", "repository", repo, "ref", ref, "error", err)
		return "", nil, gitsource.CommitInfo{}, errorf(http.StatusBadRequest, codeBadRepository, "cannot resolve %q in repository %s", ref, repo)
	}
	if r, ok := s.Source.(CommitFileReader); ok {
		cf, err := r.ReadCommitFile(ctx, repository, ref, DefinitionFile)
		switch {
		case errors.Is(err, gitsource.ErrUnresolved):
			return unresolved(err)
		case errors.Is(err, gitsource.ErrFileNotFound):
			return "", nil, gitsource.CommitInfo{}, errorf(http.StatusBadRequest, codeNoDefinition, "no %s at %s", DefinitionFile, cf.Commit)
		case err != nil:
			return "", nil, gitsource.CommitInfo{}, fmt.Errorf("read %s at %s: %w", DefinitionFile, cmpOr(cf.Commit, ref), err)
		}
		return cf.Commit, cf.Data, cf.Info, nil
	}
	commit, err := s.Source.Resolve(ctx, repository, ref)
	if err != nil {
		return unresolved(err)
	}
	data, err := s.Source.ReadFile(ctx, repository, commit, DefinitionFile)
	if errors.Is(err, gitsource.ErrFileNotFound) {
		return "", nil, gitsource.CommitInfo{}, errorf(http.StatusBadRequest, codeNoDefinition, "no %s at %s", DefinitionFile, commit)
	}
	if err != nil {
		return "", nil, gitsource.CommitInfo{}, fmt.Errorf("read %s at %s: %w", DefinitionFile, commit, err)
	}
	return commit, data, gitsource.CommitInfo{}, nil
}

// startBuild starts in, or finds the build of its commit, and returns the
// answer: 202 when it started, 200 with the build's status when it existed.
func (s *Server) startBuild(ctx context.Context, in workflows.BuildInput, rerun bool) (int, CreateBuildResponse, error) {
	in.DecisionKeys, in.OperatorDecisions = s.DecisionKeys(), s.OperatorDecisions
	in.SecretsAllowed = s.secretsAllowed(in.Project, in.Branch)
	// Upstream triggers are read from registered projects only.
	in.StartDownstream = s.Registry != nil && s.chains() != nil && in.Branch != ""
	if in.Promotion != nil {
		plan, err := compilePromotion(in.Promotion.Environments)
		if err != nil {
			return 0, CreateBuildResponse{}, err
		}
		in.PromotionPlan = plan
	}
	s.describeCommit(ctx, &in)
	origin, err := s.commitOrigin(ctx, in.Project, in.Commit)
	if err != nil {
		return 0, CreateBuildResponse{}, err
	}
	s.chainUpstream(ctx, &in, rerun, origin.ChainPush)
	in.RegisteredBy = creditAlso(in.RegisteredBy, in.TriggeredBy, origin.Pushers...)
	id, runID, existing, err := s.Builds.Start(ctx, in, rerun)
	if err != nil {
		return 0, CreateBuildResponse{}, fmt.Errorf("start build of %s at %s: %w", in.Project, in.Commit, err)
	}
	resp := CreateBuildResponse{ID: id, RunID: runID, URL: s.buildURL(id), Status: string(workflows.StatusRunning),
		Existing: existing, Rerun: rerun && !existing}
	status := http.StatusAccepted
	if existing {
		status = http.StatusOK
		if st, err := s.existingStatus(ctx, id, runID); err == nil {
			resp.Status = st
		} else {
			s.logger().WarnContext(ctx, "read state of existing build failed", "build_id", id, "error", err)
		}
	}
	s.logger().InfoContext(ctx, "build requested", "build_id", id, "run_id", runID,
		"existing", existing, "rerun", rerun, "triggered_by", in.TriggeredBy)
	return status, resp, nil
}

// describeCommit fills the build's commit subject and author from git. It
// is for people only: a commit that cannot be described starts all the same.
func (s *Server) describeCommit(ctx context.Context, in *workflows.BuildInput) {
	d, ok := s.Source.(CommitDescriber)
	if !ok || in.Subject != "" {
		return
	}
	info, err := d.Describe(ctx, in.Repository, in.Commit)
	if err != nil {
		s.logger().WarnContext(ctx, "describe commit failed", "repository", gitsource.Redact(in.Repository),
			"commit", in.Commit, "error", err)
		return
	}
	withCommitInfo(in, info)
}

// withCommitInfo sets the build's commit subject and author from info.
func withCommitInfo(in *workflows.BuildInput, info gitsource.CommitInfo) {
	in.Subject, in.Author = clipRunes(info.Subject, 200), clipRunes(info.Author, 100)
}

// clipRunes cuts s to at most n runes.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// BuildStatuser is implemented by Builds that can tell a build's status
// without asking its worker (TemporalBuilds describes the run).
type BuildStatuser interface {
	Status(ctx context.Context, id, runID string) (string, error)
}

// existingStatus is the status of a build that was found existing: a
// duplicate delivery is answered from Temporal's description of the run,
// never by waiting on a query that no worker may be up to answer.
func (s *Server) existingStatus(ctx context.Context, id, runID string) (string, error) {
	if st, ok := s.Builds.(BuildStatuser); ok {
		return st.Status(ctx, id, runID)
	}
	state, err := s.Builds.State(ctx, id, runID)
	return string(state.Status), err
}

// validateBuildRequest trims r and checks it, defaulting Commit to HEAD.
func validateBuildRequest(r *CreateBuildRequest) error {
	r.Repository = strings.TrimSpace(r.Repository)
	r.Commit = strings.TrimSpace(r.Commit)
	r.Branch = strings.TrimSpace(r.Branch)
	if r.Commit == "" {
		r.Commit = "HEAD"
	}
	switch {
	case r.Repository == "":
		return errorf(http.StatusBadRequest, codeBadRequest, "repository is required")
	case strings.HasPrefix(r.Repository, "-") || hasControl(r.Repository):
		return errorf(http.StatusBadRequest, codeBadRequest, "repository is not a path or URL")
	case !isRemote(r.Repository) && !filepath.IsAbs(r.Repository):
		return errorf(http.StatusBadRequest, codeBadRequest, "repository %q: a local path must be absolute", r.Repository)
	case strings.HasPrefix(r.Commit, "-") || hasControl(r.Commit) || strings.ContainsAny(r.Commit, " \t"):
		return errorf(http.StatusBadRequest, codeBadRequest, "commit %q is not a SHA or ref", r.Commit)
	case hasControl(r.Branch) || strings.ContainsAny(r.Branch, " \t"):
		return errorf(http.StatusBadRequest, codeBadRequest, "branch %q is not a branch name", r.Branch)
	}
	return nil
}

// requestBranch is the requested branch, or the branch named by a refs/heads/ commit ref.
func requestBranch(r *CreateBuildRequest) string {
	if r.Branch != "" {
		return r.Branch
	}
	if b, ok := strings.CutPrefix(r.Commit, "refs/heads/"); ok {
		return b
	}
	return ""
}

// decodeJSON decodes one JSON object strictly: unknown fields are errors.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return errorf(http.StatusBadRequest, codeBadRequest, "request body is empty")
		}
		return errorf(http.StatusBadRequest, codeBadRequest, "invalid JSON body: %s", err.Error())
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, codeBadRequest, "invalid JSON body: more than one value")
	}
	return nil
}

// isRemote reports whether repository is a URL or scp-like git address
// rather than a local path.
func isRemote(repository string) bool {
	if strings.Contains(repository, "://") {
		return true
	}
	at, colon := strings.Index(repository, "@"), strings.Index(repository, ":")
	return at > 0 && colon > at && !strings.Contains(repository[:colon], "/")
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
