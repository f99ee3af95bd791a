package api

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// registerPages adds the web pages (package web) to r, over the same
// dependencies as the API, with s.Pages's options.
func (s *Server) registerPages(r *gin.Engine) {
	opts := s.Pages
	opts.PublicURL, opts.NotFound, opts.Logger, opts.Closing = s.PublicURL, ErrNotFound, s.logger(), s.closingCh()
	opts.Revocations, opts.Limiter, opts.ClientAddr = s.SessionRevocations, s.authLimiter(), s.clientAddr
	var auth web.Authenticator
	if s.Identity != nil {
		auth = s.Identity
	}
	pages, err := web.New(pageBuilds{s}, pagePromotions{s.Promotions, s}, pageLedger{s.History, s.PromotionLedger, s}, pageApprovals{s}, auth, opts)
	if err != nil {
		// Only the embedded templates or the system's random source can fail.
		panic(fmt.Sprintf("web pages: %v", err))
	}
	pages.Register(r)
	s.pages.Store(pages)
}

// browserErrors answers a browser (web.WantsHTML) with an HTML error page
// instead of the JSON error body, on every route: an unknown one, a 401 or
// a failed request. It runs inside mapErrors, which still logs the error and
// then sees the response written. The message is classify's, the same one
// the JSON body carries, so it holds no internals.
func (s *Server) browserErrors(c *gin.Context) {
	c.Next()
	if len(c.Errors) == 0 || c.Writer.Written() || !web.WantsHTML(c.Request) {
		return
	}
	pages := s.pages.Load()
	if pages == nil {
		return
	}
	he := s.classify(c.Errors.Last().Err)
	pages.ErrorPage(c, he.status, he.message)
}

// pageBuilds reads builds as the API does: Temporal, then the ledger.
type pageBuilds struct{ s *Server }

func (b pageBuilds) State(ctx context.Context, id, runID string) (workflows.BuildState, error) {
	if !b.s.pageMayRead(ctx, projectOfID(id)) {
		return workflows.BuildState{}, ErrNotFound // a private project's builds do not show
	}
	st, err := b.s.buildState(ctx, id, runID)
	if err == nil {
		b.s.withChainLinks(ctx, &st, func(project string) bool { return b.s.pageMayRead(ctx, project) })
	}
	return st, err
}

func (b pageBuilds) Cancel(ctx context.Context, id string) error {
	if err := b.s.authorizeForm(ctx, projectOfID(id), registry.RoleBuild, "cancel", id); err != nil {
		return err
	}
	return b.s.Builds.Cancel(ctx, id)
}

func (p pagePromotions) State(ctx context.Context, id, runID string) (workflows.PromotionState, error) {
	if !p.s.pageMayRead(ctx, projectOfID(id)) {
		return workflows.PromotionState{}, ErrNotFound
	}
	return p.Promotions.State(ctx, id, runID)
}

// pageLedger joins the build and promotion ledgers, leaving out what the
// signed-in user may not read.
type pageLedger struct {
	BuildHistory
	PromotionLedger
	s *Server
}

func (l pageLedger) ListBuilds(ctx context.Context, f ledger.BuildFilter) ([]ledger.Build, error) {
	list, err := l.BuildHistory.ListBuilds(ctx, f)
	return readable(list, l.may(ctx), func(b ledger.Build) string { return b.Project }), err
}

func (l pageLedger) ListPromotions(ctx context.Context, f ledger.PromotionFilter) ([]ledger.Promotion, error) {
	list, err := l.PromotionLedger.ListPromotions(ctx, f)
	return readable(list, l.may(ctx), func(p ledger.Promotion) string { return p.Project }), err
}

func (l pageLedger) Environments(ctx context.Context, project string) ([]ledger.EnvironmentStatus, error) {
	list, err := l.PromotionLedger.Environments(ctx, project)
	return readable(list, l.may(ctx), func(e ledger.EnvironmentStatus) string { return e.Project }), err
}

func (l pageLedger) EnvironmentHistory(ctx context.Context, project, environment string, limit int) ([]ledger.Deployment, error) {
	if !l.s.pageMayRead(ctx, project) {
		return nil, nil
	}
	return l.PromotionLedger.EnvironmentHistory(ctx, project, environment, limit)
}

// EnvironmentOrder is the ledger's order of project's environments, for
// those who may read the project.
func (l pageLedger) EnvironmentOrder(ctx context.Context, project string) ([]string, error) {
	o, ok := l.PromotionLedger.(interface {
		EnvironmentOrder(ctx context.Context, project string) ([]string, error)
	})
	if !ok || !l.s.pageMayRead(ctx, project) {
		return nil, nil
	}
	return o.EnvironmentOrder(ctx, project)
}

// ListFreezes are the frozen environments of the projects the user may read.
func (l pageLedger) ListFreezes(ctx context.Context, project string) ([]ledger.Freeze, error) {
	if l.s.Freezes == nil {
		return nil, nil
	}
	list, err := l.s.Freezes.ListFreezes(ctx, project)
	return readable(list, l.may(ctx), func(f ledger.Freeze) string { return f.Project }), err
}

// PendingApprovalsOf are the waiting gates of project's versions, when
// the user may read the project.
func (l pageLedger) PendingApprovalsOf(ctx context.Context, project string, versions []string) ([]ledger.PendingApproval, error) {
	if !l.s.pageMayRead(ctx, project) {
		return nil, nil
	}
	return l.PromotionLedger.PendingApprovalsOf(ctx, project, versions)
}

func (l pageLedger) may(ctx context.Context) func(string) bool {
	return func(project string) bool { return l.s.pageMayRead(ctx, project) }
}

// pageMayRead reports whether the pages' signed-in user (web.FormUser) may
// read project: always without an identity file, else when the project is
// registered and its reads are public or the user holds a role on it.
func (s *Server) pageMayRead(ctx context.Context, project string) bool {
	if s.Identity == nil {
		return true
	}
	p, ok := s.Registry.Project(project)
	if !ok {
		return false
	}
	who, _ := web.FormUser(ctx)
	return p.PublicReads() || p.Allows(who, registry.RoleBuild)
}

// webApprovalsPage is how many gates the approvals page shows at a time.
const webApprovalsPage = 50

// pageApprovals lists approvals with the API's filter.
type pageApprovals struct{ s *Server }

// Waiting reads a page of webApprovalsPage gates, with the API's filters:
// those user may decide in the projects user may read.
func (a pageApprovals) Waiting(ctx context.Context, user identity.User, after string) (web.ApprovalPage, error) {
	q := ledger.PendingApprovalQuery{Decider: &ledger.Decider{Name: user.Name, Groups: user.Groups}, Limit: webApprovalsPage}
	if after != "" {
		c, err := ledger.ParseApprovalCursor(after)
		if err != nil {
			return web.ApprovalPage{}, fmt.Errorf("%w: %w", web.ErrBadCursor, err)
		}
		q.After = &c
	}
	resp, err := a.s.approvalsPage(ctx, user, q)
	if err != nil {
		return web.ApprovalPage{}, fmt.Errorf("list approvals waiting for %s: %w", user.Name, err)
	}
	out := web.ApprovalPage{Approvals: make([]web.Approval, 0, len(resp.Approvals)), Total: resp.Total, Next: resp.Next}
	for _, ap := range resp.Approvals {
		earlier := make([]web.EnvironmentResult, 0, len(ap.Earlier))
		for _, e := range ap.Earlier {
			earlier = append(earlier, web.EnvironmentResult{Environment: e.Environment, State: e.State})
		}
		out.Approvals = append(out.Approvals, web.Approval{PromotionID: ap.PromotionID, Project: ap.Project, Version: ap.Version,
			Commit: ap.Commit, Branch: ap.Branch, TriggeredBy: ap.TriggeredBy, Environment: ap.Environment,
			WaitingSince: ap.WaitingSince, Deadline: ap.Deadline, Approvals: ap.Approvals, Required: ap.Required,
			Approvers: ap.Approvers, Earlier: earlier})
	}
	return out, nil
}
