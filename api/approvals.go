package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
)

func (s *Server) listApprovals(c *gin.Context) {
	approvals, err := s.approvalsFor(c.Request.Context(), caller(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	approvals = readable(approvals, s.readFilter(c), func(a Approval) string { return a.Project })
	c.JSON(http.StatusOK, ApprovalsResponse{Approvals: approvals})
}

// approvalsFor lists, with one query of the ledger's pending approvals, the
// gates user may decide and has not approved yet, oldest wait first.
func (s *Server) approvalsFor(ctx context.Context, user identity.User) ([]Approval, error) {
	pending, err := s.PromotionLedger.ListPendingApprovals(ctx)
	if err != nil {
		return nil, fmt.Errorf("list pending approvals: %w", err)
	}
	out := pendingFor(user, pending)
	for i := range out {
		out[i].URL = s.promotionURL(out[i].PromotionID)
	}
	return out, nil
}

// pendingFor picks the pending approval gates that user may decide and has
// not approved yet, oldest wait first.
func pendingFor(user identity.User, pending []ledger.PendingApproval) []Approval {
	out := []Approval{}
	for _, p := range pending {
		if !user.MayDecide(p.Approvers) || slices.Contains(p.ApprovedBy, user.Name) {
			continue
		}
		earlier := make([]EnvironmentResult, 0, len(p.Earlier))
		for _, e := range p.Earlier {
			earlier = append(earlier, EnvironmentResult{Environment: e.Environment, State: e.State})
		}
		since, deadline := p.WaitingSince, p.Deadline
		out = append(out, Approval{
			PromotionID: p.PromotionID, Project: p.Project, Version: p.Version, Commit: p.Commit, Branch: p.Branch,
			TriggeredBy: p.TriggeredBy, Environment: p.Environment, WaitingSince: &since, Deadline: &deadline,
			Approvals: len(p.ApprovedBy), Required: max(p.Required, 1), Approvers: nonNil(p.Approvers),
			Earlier: earlier,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].WaitingSince.Before(*out[j].WaitingSince) })
	return out
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
