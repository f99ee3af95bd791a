package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// RegisterArtifactRequest is the body of POST /api/v1/artifacts: a version
// built outside Drover, to be promoted.
type RegisterArtifactRequest struct {
	Project    string          `json:"project"`
	Version    string          `json:"version"`
	Commit     string          `json:"commit"`
	Branch     string          `json:"branch"`
	Repository string          `json:"repository"`
	Artifacts  []ArtifactInput `json:"artifacts"`
	// Definition is drover.yaml text; without it the definition is read from
	// Repository at Commit.
	Definition string `json:"definition"`
	// Pipeline, when set, promotes the version along that named pipeline of
	// the definition (promotion.pipelines) only.
	Pipeline string `json:"pipeline,omitempty"`
}

// ArtifactInput is one artifact of a registered version: a blob store Key or
// a URL (kept as the artifact's path), with its checksum and size.
type ArtifactInput struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

var (
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	sha256Pattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

func (s *Server) registerArtifact(c *gin.Context) {
	ctx := c.Request.Context()
	var req RegisterArtifactRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		_ = c.Error(err)
		return
	}
	if err := req.validate(); err != nil {
		_ = c.Error(err)
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
	var def *pipeline.Project
	var err error
	switch {
	case req.Definition != "":
		switch {
		case req.Repository != "":
			if _, err = s.registeredRepository(c, req.Project, req.Repository, "register"); err == nil {
				err = s.onBranch(c, registered, req.Repository, req.Commit, req.Branch, "register")
			}
		case registered != nil && req.Branch != "":
			// Protected environments admit versions by branch: a claimed
			// branch is checked, so it needs the repository to check it in.
			err = errorf(http.StatusBadRequest, codeBadRequest,
				"version %s claims branch %s: give the repository its commit is on", req.Version, req.Branch)
		}
		if err == nil {
			def, err = s.promotionDefinition(ctx, req.Project, []byte(req.Definition), "given", "", "")
		}
	case req.Repository != "" && req.Commit != "":
		if _, err = s.registeredRepository(c, req.Project, req.Repository, "register"); err == nil {
			def, req.Commit, err = s.environmentsAt(ctx, req.Project, req.Repository, req.Commit)
		}
		if err == nil {
			err = s.onBranch(c, registered, req.Repository, req.Commit, req.Branch, "register")
		}
	default:
		err = errorf(http.StatusBadRequest, codeNoDefinition,
			"give the definition, or the repository and commit to read %s from", DefinitionFile)
	}
	var envs []pipeline.Environment
	if err == nil {
		envs, err = protect(registered, def, req.Branch)
	}
	if err == nil && req.Pipeline != "" {
		envs, err = alongPipeline(def, envs, req.Pipeline)
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	version := req.ledgerVersion()
	if err := s.recordVersion(ctx, version); err != nil {
		_ = c.Error(err)
		return
	}
	in := workflows.PromotionInput{
		Project: req.Project, Version: req.Version, Commit: req.Commit, Branch: req.Branch,
		Repository: req.Repository, TriggeredBy: triggeredBy(c), Environments: envs, Notify: def.Notify,
	}
	for _, a := range version.Artifacts {
		in.Artifacts = append(in.Artifacts, contracts.ArtifactRef{Name: a.Name, Path: a.Path, Key: a.Key, SHA256: a.SHA256, Size: a.Size})
	}
	s.startPromotion(c, in)
}

// recordVersion registers v, refusing a version registered already for
// another commit.
func (s *Server) recordVersion(ctx context.Context, v ledger.ArtifactVersion) error {
	old, err := s.PromotionLedger.GetArtifactVersion(ctx, v.Project, v.Version)
	switch {
	case err == nil && old.Commit != v.Commit:
		return errorf(http.StatusConflict, codeConflict, "version %s of %s is registered already, for commit %s",
			v.Version, v.Project, old.Commit)
	case err != nil && !errors.Is(err, ledger.ErrNotFound):
		return fmt.Errorf("look up version %s of %s: %w", v.Version, v.Project, err)
	}
	if err := s.PromotionLedger.RecordArtifactVersion(ctx, v); err != nil {
		return fmt.Errorf("record version %s of %s: %w", v.Version, v.Project, err)
	}
	return nil
}

// startPromotion starts the promotion of in and answers 202 (200 when it
// exists already).
func (s *Server) startPromotion(c *gin.Context, in workflows.PromotionInput) {
	s.answerPromotion(c)(s.startPromotionRun(c.Request.Context(), in))
}

// startPromotionRun starts in, or finds its run: 202 when it started, 200
// when it existed.
func (s *Server) startPromotionRun(ctx context.Context, in workflows.PromotionInput) (int, PromotionStartedResponse, error) {
	in.SecretsAllowed = s.secretsAllowed(in.Project, in.Branch)
	in.DecisionKeys, in.OperatorDecisions = s.DecisionKeys(), s.OperatorDecisions
	plan, err := compilePromotion(in.Environments)
	if err != nil {
		return 0, PromotionStartedResponse{}, err
	}
	in.Plan = plan
	id, runID, existing, err := s.Promotions.Start(ctx, in)
	if err != nil {
		return 0, PromotionStartedResponse{}, fmt.Errorf("start promotion of %s %s: %w", in.Project, in.Version, err)
	}
	s.logger().InfoContext(ctx, "promotion requested", "promotion_id", id, "run_id", runID,
		"existing", existing, "triggered_by", in.TriggeredBy, "kind", in.Kind)
	status := http.StatusAccepted
	if existing {
		status = http.StatusOK
	}
	return status, PromotionStartedResponse{ID: id, RunID: runID, URL: s.promotionURL(id), Existing: existing}, nil
}

func (r *RegisterArtifactRequest) validate() error {
	for _, f := range []*string{&r.Project, &r.Version, &r.Commit, &r.Branch, &r.Repository} {
		*f = strings.TrimSpace(*f)
	}
	switch {
	case !namePattern.MatchString(r.Project):
		return errorf(http.StatusBadRequest, codeBadRequest, "project %q: want letters, digits, '.', '_', '+', '-'", r.Project)
	case !namePattern.MatchString(r.Version):
		return errorf(http.StatusBadRequest, codeBadRequest, "version %q: want letters, digits, '.', '_', '+', '-'", r.Version)
	case strings.HasPrefix(r.Commit, "-") || hasControl(r.Commit) || strings.ContainsAny(r.Commit, " \t"):
		return errorf(http.StatusBadRequest, codeBadRequest, "commit %q is not a SHA or ref", r.Commit)
	case hasControl(r.Branch) || strings.ContainsAny(r.Branch, " \t"):
		return errorf(http.StatusBadRequest, codeBadRequest, "branch %q is not a branch name", r.Branch)
	case r.Repository != "" && (strings.HasPrefix(r.Repository, "-") || hasControl(r.Repository)):
		return errorf(http.StatusBadRequest, codeBadRequest, "repository is not a path or URL")
	}
	seen := map[string]bool{}
	for i, a := range r.Artifacts {
		switch {
		case a.Name == "" || a.Name == "." || a.Name == ".." || strings.ContainsAny(a.Name, "/\\") || hasControl(a.Name):
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: name %q cannot be a file name", i, a.Name)
		case seen[a.Name]:
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: name %q is used twice", i, a.Name)
		case (a.URL == "") == (a.Key == ""):
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: give a url or a key", i)
		case a.URL != "" && !isHTTPURL(a.URL):
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: url must be http or https", i)
		case a.SHA256 != "" && !sha256Pattern.MatchString(a.SHA256):
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: sha256 must be 64 hex digits", i)
		case a.Size < 0:
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: size must not be negative", i)
		}
		seen[a.Name] = true
	}
	return nil
}

func (r *RegisterArtifactRequest) ledgerVersion() ledger.ArtifactVersion {
	v := ledger.ArtifactVersion{Project: r.Project, Version: r.Version, Commit: r.Commit, Branch: r.Branch}
	for _, a := range r.Artifacts {
		v.Artifacts = append(v.Artifacts, ledger.Artifact{Name: a.Name, Path: a.URL, Key: a.Key,
			SHA256: strings.ToLower(a.SHA256), Size: a.Size})
	}
	return v
}

func isHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// compilePromotion compiles the environments a promotion runs (with the
// registration applied) into its plan, now: the workflow then decides from
// its input alone. Validation refuses unknown time zones, so an error here
// means the API's time zone database lacks one its parser knew: a 500.
func compilePromotion(envs []pipeline.Environment) (*pipeline.PromotionPlan, error) {
	plan, err := pipeline.CompilePromotion(envs, time.Now())
	if err != nil {
		return nil, fmt.Errorf("compile promotion: %w", err)
	}
	return &plan, nil
}
