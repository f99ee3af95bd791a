package api

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/workflows"
)

// Approval is an approval gate that waits for the caller.
type Approval struct {
	PromotionID  string     `json:"promotion_id"`
	URL          string     `json:"url"`
	Project      string     `json:"project"`
	Version      string     `json:"version"`
	Commit       string     `json:"commit,omitempty"`
	Branch       string     `json:"branch,omitempty"`
	TriggeredBy  string     `json:"triggered_by,omitempty"`
	Environment  string     `json:"environment"`
	WaitingSince *time.Time `json:"waiting_since,omitempty"`
	Deadline     *time.Time `json:"deadline,omitempty"`
	Approvals    int        `json:"approvals"`
	Required     int        `json:"required"`
	Approvers    []string   `json:"approvers"`
	// Earlier are the results of the environments before this one.
	Earlier []EnvironmentResult `json:"earlier"`
}

// EnvironmentResult is where a promotion stands in one environment.
type EnvironmentResult struct {
	Environment string `json:"environment"`
	State       string `json:"state"`
}

// ApprovalsResponse answers GET /api/v1/approvals, oldest wait first.
type ApprovalsResponse struct {
	Approvals []Approval `json:"approvals"`
}

func (s *Server) listApprovals(c *gin.Context) {
	user := caller(c)
	states, err := s.Promotions.AwaitingApproval(c.Request.Context(), user)
	if err != nil {
		_ = c.Error(fmt.Errorf("list promotions awaiting approval: %w", err))
		return
	}
	resp := ApprovalsResponse{Approvals: waitingFor(user, states)}
	for i := range resp.Approvals {
		resp.Approvals[i].URL = s.promotionURL(resp.Approvals[i].PromotionID)
	}
	c.JSON(http.StatusOK, resp)
}

// waitingFor picks the pending approval gates that user may decide and has
// not approved yet, oldest wait first.
func waitingFor(user identity.User, states []workflows.PromotionState) []Approval {
	out := []Approval{}
	for _, st := range states {
		var earlier []EnvironmentResult
		for _, env := range st.Environments {
			for _, g := range env.Gates {
				if g.Kind != workflows.GateApproval || g.State != workflows.GatePending || env.State != workflows.EnvAwaitingApproval ||
					!user.MayDecide(g.Approvers) || approvedBy(g, user.Name) {
					continue
				}
				out = append(out, Approval{
					PromotionID: st.ID, Project: st.Project, Version: st.Version, Commit: st.Commit, Branch: st.Branch,
					TriggeredBy: st.TriggeredBy, Environment: env.Name, WaitingSince: g.WaitingSince, Deadline: g.Deadline,
					Approvals: approvals(g), Required: max(g.Required, 1), Approvers: g.Approvers,
					Earlier: append([]EnvironmentResult{}, earlier...),
				})
			}
			earlier = append(earlier, EnvironmentResult{Environment: env.Name, State: env.State})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].WaitingSince, out[j].WaitingSince
		return a != nil && (b == nil || a.Before(*b))
	})
	return out
}

func approvals(g workflows.GateState) int {
	n := 0
	for _, d := range g.Decisions {
		if d.Approve {
			n++
		}
	}
	return n
}

func approvedBy(g workflows.GateState, actor string) bool {
	for _, d := range g.Decisions {
		if d.Actor == actor {
			return true
		}
	}
	return false
}
