package api

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/registry"
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
	pages, err := web.New(pageBuilds{s}, pagePromotions{s.Promotions, s}, pageLedger{s.History, s.PromotionLedger}, pageApprovals{s}, auth, opts)
	if err != nil {
		// Only the embedded templates or the system's random source can fail.
		panic(fmt.Sprintf("web pages: %v", err))
	}
	pages.Register(r)
}

// pageBuilds reads builds as the API does: Temporal, then the ledger.
type pageBuilds struct{ s *Server }

func (b pageBuilds) State(ctx context.Context, id, runID string) (workflows.BuildState, error) {
	return b.s.buildState(ctx, id, runID)
}

func (b pageBuilds) Cancel(ctx context.Context, id string) error {
	if err := b.s.authorizeForm(ctx, projectOfID(id), registry.RoleBuild, "cancel", id); err != nil {
		return err
	}
	return b.s.Builds.Cancel(ctx, id)
}

// pagePromotions decides promotions for the pages' forms, after checking
// the signed-in user's role.
type pagePromotions struct {
	Promotions
	s *Server
}

func (p pagePromotions) Decide(ctx context.Context, id string, d workflows.Decision) (workflows.DecisionResult, error) {
	action := "reject"
	if d.Approve {
		action = "approve"
	}
	if err := p.s.authorizeForm(ctx, projectOfID(id), registry.RolePromote, action, id); err != nil {
		return workflows.DecisionResult{}, err
	}
	return p.Promotions.Decide(ctx, id, d)
}

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
