package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// SearchAttrApprovers (KeywordList) holds, while a promotion's approval gate
// is pending, the gate's approvers as written ("alice", "group:release"), so
// that the approvals list finds what waits for a caller with one visibility
// query. It is unset when the gate ends.
const SearchAttrApprovers = "DroverApprovers"

// MemoPendingApproval is the memo key of a PendingApproval while the gate is
// pending; the key is removed when the gate ends.
const MemoPendingApproval = "drover.pending-approval"

// approversChangeID versions the upserts of SearchAttrApprovers and
// MemoPendingApproval, so that histories recorded before them replay.
const approversChangeID = "approvers-search-attribute"

// PendingApproval is what the approvals list shows of a pending approval
// gate, kept in the promotion's memo so it needs no query of the workflow.
type PendingApproval struct {
	Environment  string    `json:"environment"`
	Commit       string    `json:"commit,omitempty"`
	Branch       string    `json:"branch,omitempty"`
	TriggeredBy  string    `json:"triggered_by,omitempty"`
	WaitingSince time.Time `json:"waiting_since"`
	Deadline     time.Time `json:"deadline"`
	Approvers    []string  `json:"approvers"`
	Required     int       `json:"required"`
	// ApprovedBy are the approvers who approved so far, in order.
	ApprovedBy []string `json:"approved_by,omitempty"`
	// Earlier are the states of the environments before this one.
	Earlier []EnvironmentResult `json:"earlier,omitempty"`
}

// EnvironmentResult is where a promotion stands in one environment.
type EnvironmentResult struct {
	Environment string `json:"environment"`
	State       string `json:"state"`
}

// pendingApproval describes the current environment's approval gate while
// it waits for decisions, or returns nil.
func (r *promotionRun) pendingApproval() *PendingApproval {
	if r.cur < 0 || r.env(r.cur).State != EnvAwaitingApproval {
		return nil
	}
	g := r.gate(r.cur, GateApproval)
	if g == nil || g.State != GatePending || g.WaitingSince == nil || g.Deadline == nil {
		return nil
	}
	p := &PendingApproval{
		Environment: r.env(r.cur).Name, Commit: r.in.Commit, Branch: r.in.Branch, TriggeredBy: r.in.TriggeredBy,
		WaitingSince: *g.WaitingSince, Deadline: *g.Deadline, Approvers: g.Approvers, Required: g.Required,
	}
	for _, d := range g.Decisions {
		if d.Approve {
			p.ApprovedBy = append(p.ApprovedBy, d.Actor)
		}
	}
	for _, es := range r.state.Environments[:r.cur] {
		p.Earlier = append(p.Earlier, EnvironmentResult{Environment: es.Name, State: es.State})
	}
	return p
}

// publishApproval shows the pending approval gate in the memo and returns the
// SearchAttrApprovers update that goes with it: set while the gate is
// pending, unset once when it ends. It returns nil when there is nothing to
// show or clear, and always for runs that began before this code.
func (r *promotionRun) publishApproval(ctx workflow.Context) []temporal.SearchAttributeUpdate {
	pending := r.pendingApproval()
	_, shown := workflow.GetInfo(ctx).Memo.GetFields()[MemoPendingApproval]
	if pending == nil && !shown {
		return nil
	}
	if workflow.GetVersion(ctx, approversChangeID, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	key := temporal.NewSearchAttributeKeyKeywordList(SearchAttrApprovers)
	var memo any // nil removes the key
	update := key.ValueUnset()
	if pending != nil {
		memo, update = *pending, key.ValueSet(pending.Approvers)
	}
	if err := workflow.UpsertMemo(ctx, map[string]any{MemoPendingApproval: memo}); err != nil {
		workflow.GetLogger(ctx).Warn("Memo not updated", "error", err)
	}
	return []temporal.SearchAttributeUpdate{update}
}
