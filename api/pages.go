package api

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/workflows"
)

// registerPages adds the web pages (package web) to r, over the same
// dependencies as the API, with s.Pages's options.
func (s *Server) registerPages(r *gin.Engine) {
	opts := s.Pages
	opts.PublicURL, opts.NotFound, opts.Logger, opts.Closing = s.PublicURL, ErrNotFound, s.logger(), s.closingCh()
	var auth web.Authenticator
	if s.Identity != nil {
		auth = s.Identity
	}
	pages, err := web.New(pageBuilds{s}, s.Promotions, pageLedger{s.History, s.PromotionLedger}, pageApprovals{s}, auth, opts)
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
	return b.s.buildState(ctx, id, runID)
}

func (b pageBuilds) Cancel(ctx context.Context, id string) error { return b.s.Builds.Cancel(ctx, id) }

// pageLedger joins the build and promotion ledgers.
type pageLedger struct {
	BuildHistory
	PromotionLedger
}

// pageApprovals lists approvals with the API's filter.
type pageApprovals struct{ s *Server }

func (a pageApprovals) Waiting(ctx context.Context, user identity.User) ([]web.Approval, error) {
	approvals, err := a.s.approvalsFor(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("list approvals waiting for %s: %w", user.Name, err)
	}
	var out []web.Approval
	for _, ap := range approvals {
		earlier := make([]web.EnvironmentResult, 0, len(ap.Earlier))
		for _, e := range ap.Earlier {
			earlier = append(earlier, web.EnvironmentResult{Environment: e.Environment, State: e.State})
		}
		out = append(out, web.Approval{PromotionID: ap.PromotionID, Project: ap.Project, Version: ap.Version,
			Commit: ap.Commit, Branch: ap.Branch, TriggeredBy: ap.TriggeredBy, Environment: ap.Environment,
			WaitingSince: ap.WaitingSince, Deadline: ap.Deadline, Approvals: ap.Approvals, Required: ap.Required,
			Approvers: ap.Approvers, Earlier: earlier})
	}
	return out, nil
}
