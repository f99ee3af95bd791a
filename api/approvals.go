package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
)

// DefaultApprovalsLimit is the size of a page of GET /api/v1/approvals
// without ?limit=; ledger.MaxApprovalsPage is the largest.
const DefaultApprovalsLimit = 100

// listApprovals serves GET /api/v1/approvals: one page, oldest wait first,
// of the approval gates in the projects the caller may read that wait for
// the caller's decision (?mine=false: every waiting gate), optionally of one
// ?project= and ?environment=, ?limit= long, after the cursor ?after= (the
// previous page's next), with the total the filters select.
func (s *Server) listApprovals(c *gin.Context) {
	q := ledger.PendingApprovalQuery{Project: c.Query("project"), Environment: c.Query("environment")}
	var err error
	if q.Limit, err = queryInt(c, "limit", DefaultApprovalsLimit, 1, ledger.MaxApprovalsPage); err != nil {
		_ = c.Error(err)
		return
	}
	if raw := c.Query("after"); raw != "" {
		after, err := ledger.ParseApprovalCursor(raw)
		if err != nil {
			_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "after: %v (give the next of a previous page)", err))
			return
		}
		q.After = &after
	}
	mine := true
	if raw := c.Query("mine"); raw != "" {
		if mine, err = strconv.ParseBool(raw); err != nil {
			_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "mine must be true or false"))
			return
		}
	}
	user := caller(c)
	if mine {
		q.Decider = &ledger.Decider{Name: user.Name, Groups: user.Groups}
	}
	resp, err := s.approvalsPage(c.Request.Context(), user, q)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

// approvalsPage reads the page of pending approval gates q selects, within
// the projects user may read, with two queries of the ledger that read no
// more than the page.
func (s *Server) approvalsPage(ctx context.Context, user identity.User, q ledger.PendingApprovalQuery) (ApprovalsResponse, error) {
	q.Projects = s.readableProjects(user)
	page, err := s.PromotionLedger.PendingApprovalsPage(ctx, q)
	if err != nil {
		return ApprovalsResponse{}, fmt.Errorf("list pending approvals: %w", err)
	}
	resp := ApprovalsResponse{Approvals: make([]Approval, 0, len(page.Approvals)), Total: page.Total}
	for _, p := range page.Approvals {
		a := approvalOf(p)
		a.URL = s.promotionURL(p.PromotionID)
		resp.Approvals = append(resp.Approvals, a)
	}
	if page.Next != nil {
		resp.Next = page.Next.String()
	}
	return resp, nil
}

// readableProjects are the registered projects user may read (public reads
// or a role on them), for the ledger to filter by; nil, meaning every
// project, without an identity file.
func (s *Server) readableProjects(user identity.User) []string {
	if s.Identity == nil {
		return nil
	}
	out := []string{}
	for _, p := range s.Registry.Projects() {
		if mayRead(p, user) {
			out = append(out, p.Name)
		}
	}
	return out
}

// approvalOf is the API's view of a pending approval gate.
func approvalOf(p ledger.PendingApproval) Approval {
	earlier := make([]EnvironmentResult, 0, len(p.Earlier))
	for _, e := range p.Earlier {
		earlier = append(earlier, EnvironmentResult{Environment: e.Environment, State: e.State})
	}
	since, deadline := p.WaitingSince, p.Deadline
	return Approval{
		PromotionID: p.PromotionID, Project: p.Project, Version: p.Version, Commit: p.Commit, Branch: p.Branch,
		TriggeredBy: p.TriggeredBy, Environment: p.Environment, WaitingSince: &since, Deadline: &deadline,
		Approvals: len(p.ApprovedBy), Required: max(p.Required, 1), Approvers: nonNil(p.Approvers),
		Earlier: earlier,
	}
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
