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

	"github.com/drover-ci/drover/blobstore"
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
// a URL (kept as the artifact's path), with its checksum and size, and
// what it was built from when the version carries several artifacts built
// apart (puppet-foas from its repository at def456).
type ArtifactInput struct {
	Name             string `json:"name"`
	URL              string `json:"url"`
	Key              string `json:"key"`
	SHA256           string `json:"sha256"`
	Size             int64  `json:"size"`
	SourceRepository string `json:"source_repository,omitempty"`
	SourceVersion    string `json:"source_version,omitempty"`
}

// maxSourceBytes bounds an artifact's source repository and version.
const maxSourceBytes = 256

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
		err = namedPipeline(func(project string, role registry.Role) error { return s.authorize(c, project, role) },
			registered, def, req.Pipeline)
	} else if err == nil {
		req.Pipeline, err = definitionPipeline(registered, def, req.Branch)
	}
	if err == nil && req.Pipeline != "" {
		envs, err = alongPipeline(def, envs, req.Pipeline)
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	reg := req.ledgerVersion()
	reg.RegisteredBy = []string{triggeredBy(c)}
	if reg.Commit != "" {
		// Whoever pushed the commit is credited with its artifacts too.
		reg.RegisteredBy, err = s.creditedPushers(ctx, reg.Project, reg.Commit, "", reg.RegisteredBy)
		if err != nil {
			_ = c.Error(err)
			return
		}
	}
	version, err := s.recordVersion(ctx, reg)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if missing := pipeline.MissingArtifacts(registered.RequiredArtifacts(def.Promotion.Artifacts), artifactNames(version.Artifacts)); len(missing) > 0 {
		// Registered; promoted once the last of its artifacts is.
		s.logger().InfoContext(ctx, "version waits for artifacts", "project", req.Project, "version", req.Version,
			"missing", strings.Join(missing, ","))
		c.JSON(http.StatusAccepted, PromotionStartedResponse{Missing: missing,
			Message: fmt.Sprintf("version %s of %s is registered and waits for %s before it is promoted",
				req.Version, req.Project, missingText(missing))})
		return
	}
	in := workflows.PromotionInput{
		Project: req.Project, Version: req.Version, Commit: req.Commit, Branch: req.Branch,
		Repository: req.Repository, TriggeredBy: triggeredBy(c), RegisteredBy: version.RegisteredBy,
		Environments: envs, Notify: def.Notify, Artifacts: artifactRefs(version.Artifacts),
	}
	s.startPromotion(c, in)
}

// recordVersion adds v's artifacts to the version, recording it when new,
// and returns it with all its artifacts; a version registered already for
// another commit, or an artifact registered already with other content, is
// a 409, and so is a new version named as Drover's builds name theirs.
func (s *Server) recordVersion(ctx context.Context, v ledger.ArtifactVersion) (ledger.ArtifactVersion, error) {
	old, err := s.PromotionLedger.GetArtifactVersion(ctx, v.Project, v.Version)
	switch {
	case err == nil && old.Commit != v.Commit:
		return old, errorf(http.StatusConflict, codeConflict, "version %s of %s is registered already, for commit %s",
			v.Version, v.Project, old.Commit)
	case errors.Is(err, ledger.ErrNotFound) && buildVersionName.MatchString(v.Version):
		// Registered first (for this commit or any other), it would stand in
		// the ledger for the build's own, whose recording then changes
		// nothing: a later promotion or rollback of the version would deploy
		// these artifacts, which nobody approved.
		return old, errorf(http.StatusConflict, codeConflict,
			"version %s of %s is named as Drover's builds name theirs: add artifacts to it once the build of its commit has recorded it, or name the version otherwise",
			v.Version, v.Project)
	case err != nil && !errors.Is(err, ledger.ErrNotFound):
		return old, fmt.Errorf("look up version %s of %s: %w", v.Version, v.Project, err)
	}
	for _, a := range v.Artifacts {
		for _, o := range old.Artifacts {
			if o.Name == a.Name && o != a {
				return old, errorf(http.StatusConflict, codeConflict,
					"artifact %s of version %s of %s is registered already, with other content (source %s)",
					a.Name, v.Version, v.Project, sourceText(o))
			}
		}
	}
	got, err := s.PromotionLedger.AddArtifacts(ctx, v)
	if errors.Is(err, ledger.ErrVersionConflict) {
		// Registered meanwhile by another request.
		return got, errorf(http.StatusConflict, codeConflict, "version %s of %s: another registration conflicts: try again",
			v.Version, v.Project)
	}
	if err != nil {
		return got, fmt.Errorf("record version %s of %s: %w", v.Version, v.Project, err)
	}
	return got, nil
}

// buildVersionName matches the versions Drover's builds register: the
// commit's first 12 hex digits, with "-<inputs key>" (12 more) for a build
// with inputs (see the Build workflow's version).
var buildVersionName = regexp.MustCompile(`^[0-9a-f]{12}(-[0-9a-f]{12})?$`)

// sourceText names what artifact a was built from, for messages.
func sourceText(a ledger.Artifact) string {
	switch {
	case a.SourceRepository != "" && a.SourceVersion != "":
		return a.SourceRepository + "@" + a.SourceVersion
	case a.SourceVersion != "":
		return a.SourceVersion
	}
	return "unnamed"
}

// artifactNames are the names of arts, in order.
func artifactNames(arts []ledger.Artifact) []string {
	names := make([]string, len(arts))
	for i, a := range arts {
		names[i] = a.Name
	}
	return names
}

// artifactRefs are a version's artifacts as a promotion carries them.
func artifactRefs(arts []ledger.Artifact) []contracts.ArtifactRef {
	var refs []contracts.ArtifactRef
	for _, a := range arts {
		refs = append(refs, contracts.ArtifactRef{Name: a.Name, Path: a.Path, Key: a.Key, SHA256: a.SHA256, Size: a.Size,
			SourceRepository: a.SourceRepository, SourceVersion: a.SourceVersion})
	}
	return refs
}

// missingText names missing artifacts in a message: "artifact puppet-mysql",
// "artifacts puppet-foas, puppet-mysql".
func missingText(missing []string) string {
	if len(missing) == 1 {
		return "artifact " + missing[0]
	}
	return "artifacts " + strings.Join(missing, ", ")
}

// refuseIncomplete is the 409 of a promotion of v, which lacks artifacts
// its project requires (drover.yaml's promotion.artifacts and the
// registration's artifacts), or nil when it has them all.
func refuseIncomplete(v ledger.ArtifactVersion, required []string) error {
	missing := pipeline.MissingArtifacts(required, artifactNames(v.Artifacts))
	if len(missing) == 0 {
		return nil
	}
	return errorf(http.StatusConflict, codeIncomplete,
		"version %s of %s lacks %s (a version of %s carries %s): register it with POST /api/v1/artifacts",
		v.Version, v.Project, missingText(missing), v.Project, strings.Join(required, ", "))
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
		case a.Key != "" && keyProblem(r.Project, a.Key) != "":
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: key %q: %s", i, a.Key, keyProblem(r.Project, a.Key))
		case a.SHA256 != "" && !sha256Pattern.MatchString(a.SHA256):
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: sha256 must be 64 hex digits", i)
		case a.Size < 0:
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: size must not be negative", i)
		case len(a.SourceRepository) > maxSourceBytes || hasControl(a.SourceRepository) || hasUserinfo(a.SourceRepository):
			return errorf(http.StatusBadRequest, codeBadRequest,
				"artifacts[%d]: source_repository: at most %d bytes of text, no credentials in a URL", i, maxSourceBytes)
		case len(a.SourceVersion) > maxSourceBytes || hasControl(a.SourceVersion):
			return errorf(http.StatusBadRequest, codeBadRequest, "artifacts[%d]: source_version: at most %d bytes of text", i, maxSourceBytes)
		}
		seen[a.Name] = true
	}
	return nil
}

func (r *RegisterArtifactRequest) ledgerVersion() ledger.ArtifactVersion {
	v := ledger.ArtifactVersion{Project: r.Project, Version: r.Version, Commit: r.Commit, Branch: r.Branch}
	for _, a := range r.Artifacts {
		v.Artifacts = append(v.Artifacts, ledger.Artifact{Name: a.Name, Path: a.URL, Key: a.Key,
			SHA256: strings.ToLower(a.SHA256), Size: a.Size,
			SourceRepository: strings.TrimSpace(a.SourceRepository), SourceVersion: strings.TrimSpace(a.SourceVersion)})
	}
	return v
}

// keyProblem says why the blob store key may not be registered as an
// artifact of project, or "". The worker downloads it into the project's
// deploys, whose scripts a commit writes: it may not be another project's
// artifact (artifacts/<project>/…) nor Drover's caches or logs (with S3
// storage the logs share the blob store's prefix).
func keyProblem(project, key string) string {
	if err := blobstore.ValidateKey(key); err != nil {
		return "not a blob store key"
	}
	first, rest, _ := strings.Cut(key, "/")
	switch first {
	case "artifacts":
		if owner, _, _ := strings.Cut(rest, "/"); owner != project {
			return fmt.Sprintf("another project's artifact (a key under artifacts/ must be under artifacts/%s/)", project)
		}
	case "caches", "logs":
		return fmt.Sprintf("under Drover's %s/, not an artifact", first)
	}
	return ""
}

// hasUserinfo reports whether raw is a URL with credentials in it.
func hasUserinfo(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.User != nil
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
