package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// ChainLedger reads chains across repositories from the ledger;
// *ledger.Ledger implements it. The server uses it when its History does.
type ChainLedger interface {
	// CommitOrigin reads the push step that made a commit and who is
	// credited with it, in one read, for every build the API starts.
	CommitOrigin(ctx context.Context, project, commit string) (ledger.CommitOrigin, error)
	DownstreamBuilds(ctx context.Context, id string) ([]ledger.Build, error)
	BuildOfCommit(ctx context.Context, project, commit string) (ledger.Build, error)
	Trace(ctx context.Context, id string) ([]ledger.TraceLink, error)
}

// chains is the server's ChainLedger, or nil.
func (s *Server) chains() ChainLedger {
	cl, _ := s.History.(ChainLedger)
	return cl
}

// ChainActor is who a build started by a chain is triggered by when its
// upstream build names no one: "drover chain from <build>".
func ChainActor(upstreamBuild string) string { return "drover chain from " + upstreamBuild }

// chainUpstream makes a build whose commit a push step made (p, from the
// ledger; the request cannot say so) the downstream of the build that
// pushed it, triggered by that build's actor, whoever asked for it (the
// push itself, a webhook, a poll). A rerun keeps the link and its own actor.
func (s *Server) chainUpstream(ctx context.Context, in *workflows.BuildInput, rerun bool, p *ledger.ChainPush) {
	if p == nil || in.Upstream != nil {
		return
	}
	in.Upstream = &contracts.Upstream{BuildID: p.SourceBuildID, Project: p.SourceProject, Commit: p.SourceCommit,
		Kind: contracts.UpstreamPush, Step: p.Step}
	if rerun {
		return
	}
	actor := ""
	if up, _, err := s.History.GetBuild(ctx, p.SourceBuildID, p.SourceRunID); err == nil {
		actor, in.Upstream.Branch = up.TriggeredBy, up.Branch
	}
	in.TriggeredBy = cmp.Or(actor, ChainActor(p.SourceBuildID))
}

// withChainLinks adds the build's downstream builds of projects the caller
// may read (and, for a build read from the ledger, its upstream) to its state.
func (s *Server) withChainLinks(ctx context.Context, st *workflows.BuildState, mayRead func(project string) bool) {
	cl := s.chains()
	if cl == nil {
		return
	}
	down, err := cl.DownstreamBuilds(ctx, st.ID)
	if err != nil {
		s.logger().WarnContext(ctx, "read downstream builds failed", "build_id", st.ID, "error", err)
		return
	}
	for _, d := range down {
		if !mayRead(d.Project) {
			continue
		}
		st.Downstream = append(st.Downstream, contracts.Downstream{BuildID: d.ID, Project: d.Project, Commit: d.Commit,
			Branch: d.Branch, Status: d.Status, Version: d.Version, Kind: d.UpstreamKind})
	}
	if st.Upstream == nil {
		if b, _, err := s.History.GetBuild(ctx, st.ID, st.RunID); err == nil && b.UpstreamBuildID != "" {
			st.Upstream = &contracts.Upstream{BuildID: b.UpstreamBuildID, Project: projectOfID(b.UpstreamBuildID), Kind: b.UpstreamKind}
		}
	}
	if st.Upstream != nil && !mayRead(st.Upstream.Project) {
		// Its ID, commit and branch are the private project's.
		st.Upstream = nil
	}
}

// trace answers GET /api/v1/trace?build=ID or ?project=P&commit=C: the
// builds upstream and downstream of the build, each with its project,
// commit, version and the environments the version was deployed to. Builds
// of projects the caller may not read are left out.
func (s *Server) trace(c *gin.Context) {
	ctx := c.Request.Context()
	cl := s.chains()
	if cl == nil {
		_ = c.Error(errorf(http.StatusNotImplemented, codeBadRequest, "the API has no ledger to trace chains in"))
		return
	}
	id := c.Query("build")
	if id == "" {
		project, commit := c.Query("project"), c.Query("commit")
		if project == "" || commit == "" {
			_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "give build=ID, or project=P and commit=C"))
			return
		}
		// Checked first, so that the answer does not tell whether a
		// project the caller may not read built the commit.
		if err := s.mayRead(c, project); err != nil {
			_ = c.Error(err)
			return
		}
		b, err := cl.BuildOfCommit(ctx, project, commit)
		if errors.Is(err, ledger.ErrNotFound) {
			_ = c.Error(notFound(KindBuild, project+"@"+commit))
			return
		}
		if err != nil {
			_ = c.Error(fmt.Errorf("trace: %w", err))
			return
		}
		id = b.ID
	}
	if err := s.mayRead(c, projectOfID(id)); err != nil {
		_ = c.Error(err)
		return
	}
	links, err := cl.Trace(ctx, id)
	if errors.Is(err, ledger.ErrNotFound) {
		_ = c.Error(notFound(KindBuild, id))
		return
	}
	if err != nil {
		_ = c.Error(fmt.Errorf("trace %s: %w", id, err))
		return
	}
	may := s.readFilter(c)
	links = readable(links, may, func(l ledger.TraceLink) string { return l.Project })
	for i := range links {
		if id := links[i].UpstreamBuildID; id != "" && !may(projectOfID(id)) {
			// The ID names the private project and its commit.
			links[i].UpstreamBuildID, links[i].UpstreamKind = "", ""
		}
	}
	resp := TraceResponse{Build: id, Links: make([]rest.TraceLink, len(links))}
	for i, l := range links {
		resp.Links[i] = rest.TraceLink{Depth: l.Depth, Project: l.Project, BuildID: l.BuildID, Commit: l.Commit,
			Branch: l.Branch, Status: l.Status, Version: l.Version, TriggeredBy: l.TriggeredBy,
			UpstreamBuildID: l.UpstreamBuildID, UpstreamKind: l.UpstreamKind}
		for _, d := range l.Deployed {
			resp.Links[i].Deployed = append(resp.Links[i].Deployed, rest.TraceDeployment(d))
		}
	}
	c.JSON(http.StatusOK, resp)
}

// runOpen reports whether run runID of build id has not ended in Temporal
// (it may have succeeded and be finishing: notifications, its downstream).
func (s *Server) runOpen(ctx context.Context, id, runID string) bool {
	st, err := s.existingStatus(ctx, id, runID)
	if err != nil {
		s.logger().WarnContext(ctx, "read status of build failed", "build_id", id, "run_id", runID, "error", err)
		return false
	}
	return st == string(workflows.StatusRunning)
}

// codeNotTriggered: a build asked for as an upstream trigger whose
// definition does not name the upstream build.
const codeNotTriggered = "not_triggered"

var errNotTriggered = errorf(http.StatusUnprocessableEntity, codeNotTriggered,
	"the definition's triggers.upstream does not name the upstream build's project and branch")

// StartDownstreamResponse answers POST /api/v1/builds/{id}/downstream: the
// builds the upstream build's success started (or found started).
type StartDownstreamResponse struct {
	Builds []CreateBuildResponse `json:"builds"`
}

// startDownstream answers POST /api/v1/builds/{id}/downstream, which the
// build workflow calls when the build succeeds: for every other registered
// project whose drover.yaml, at the head of its branch of the build's
// branch name, has triggers.upstream naming the build's project and a
// pattern of the branch, it starts that head's build, downstream of the
// build and triggered by its actor. Asking again starts nothing new, and
// once the build's run has ended nothing at all: the answer lists the
// builds it started. The caller needs the build role on the build's
// project and on each project it starts.
func (s *Server) startDownstream(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := buildID(c)
	if err == nil {
		err = s.authorize(c, projectOfID(id), registry.RoleBuild)
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	up, _, err := s.History.GetBuild(ctx, id, "")
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		_ = c.Error(notFound(KindBuild, id))
		return
	case err != nil:
		_ = c.Error(fmt.Errorf("downstream of %s: %w", id, err))
		return
	case up.Status != string(workflows.StatusSucceeded):
		_ = c.Error(errorf(http.StatusConflict, codeConflict, "build %s is %s: only a successful build starts its downstream", id, up.Status))
		return
	}
	resp := StartDownstreamResponse{Builds: []CreateBuildResponse{}}
	if !s.runOpen(ctx, id, up.RunID) {
		// The builds started here are triggered by the upstream build's
		// actor, so only its own run starts them, as it ends. Afterwards a
		// caller would start, at heads that moved since, builds attributed
		// to someone else (who then may approve them where approving one's
		// own build is forbidden): asking again answers the builds the run
		// started and starts none.
		cl := s.chains()
		if cl == nil {
			c.JSON(http.StatusOK, resp)
			return
		}
		may := s.readFilter(c)
		down, err := cl.DownstreamBuilds(ctx, id)
		if err != nil {
			_ = c.Error(fmt.Errorf("downstream of %s: %w", id, err))
			return
		}
		for _, d := range down {
			if d.UpstreamKind == ledger.UpstreamTrigger && may(d.Project) {
				resp.Builds = append(resp.Builds, CreateBuildResponse{ID: d.ID, RunID: d.RunID, URL: s.buildURL(d.ID),
					Status: d.Status, Existing: true})
			}
		}
		c.JSON(http.StatusOK, resp)
		return
	}
	if up.Branch == "" || s.Registry == nil {
		c.JSON(http.StatusOK, resp)
		return
	}
	upstream := &contracts.Upstream{BuildID: up.ID, Project: up.Project, Commit: up.Commit, Branch: up.Branch,
		Kind: contracts.UpstreamTrigger}
	actor := cmp.Or(up.TriggeredBy, ChainActor(up.ID))
	for _, p := range s.Registry.Projects() {
		if p.Name == up.Project {
			continue
		}
		for _, repo := range p.Repositories {
			req := CreateBuildRequest{Repository: repo, Commit: "refs/heads/" + up.Branch, Branch: up.Branch}
			_, started, err := s.startRequested(c, req, upstream, actor)
			if err != nil {
				// No such branch, no drover.yaml, not triggered by this build, or not allowed.
				s.logger().DebugContext(ctx, "downstream not started", "upstream", id, "project", p.Name, "error", err)
				continue
			}
			resp.Builds = append(resp.Builds, started)
			break
		}
	}
	c.JSON(http.StatusOK, resp)
}
