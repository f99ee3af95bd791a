package workflows

import (
	"reflect"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// approversChangeID versions the upserts of SearchAttrApprovers and
// MemoPendingApproval, so that histories recorded before them replay.
const approversChangeID = "approvers-search-attribute"

// pendingApproval describes the current environment's approval gate while
// it waits for decisions, or returns nil.
func (r *promotionRecord) pendingApproval(cur int) *PendingApproval {
	if cur < 0 || r.env(cur).State != EnvAwaitingApproval {
		return nil
	}
	g := r.gate(cur, GateApproval)
	if g == nil || g.State != GatePending || g.WaitingSince == nil || g.Deadline == nil {
		return nil
	}
	p := &PendingApproval{
		Environment: r.env(cur).Name, Commit: r.in.Commit, Branch: r.in.Branch, TriggeredBy: r.in.TriggeredBy,
		WaitingSince: *g.WaitingSince, Deadline: *g.Deadline, Approvers: g.Approvers, Required: g.Required,
	}
	for _, d := range g.Decisions {
		if d.Approve {
			p.ApprovedBy = append(p.ApprovedBy, d.Actor)
		}
	}
	for _, es := range r.state.Environments[:cur] {
		p.Earlier = append(p.Earlier, EnvironmentResult{Environment: es.Name, State: es.State})
	}
	return p
}

// publishApproval shows the pending approval gate in the memo and returns the
// SearchAttrApprovers update that goes with it: set while the gate is
// pending, unset once when it ends. It returns nil when there is nothing to
// show or clear, and always for runs that began before this code. Runs that
// began after approvalsLedgerChangeID also mark the gate as what the ledger
// should hold, for syncApprovals to write.
func (r *promotionRecord) publishApproval(ctx workflow.Context, cur int) []temporal.SearchAttributeUpdate {
	pending := r.pendingApproval(cur)
	_, shown := workflow.GetInfo(ctx).Memo.GetFields()[MemoPendingApproval]
	if pending == nil && !shown {
		return nil
	}
	if !r.current && workflow.GetVersion(ctx, approversChangeID, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	if r.current || workflow.GetVersion(ctx, approvalsLedgerChangeID, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
		// The caller writes it to the ledger next (syncApprovals).
		r.approvals.want = pending
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

// approvalsLedgerChangeID versions the ledger writes of the pending approval
// gate (see syncApprovals), so that histories recorded before them replay.
const approvalsLedgerChangeID = "approvals-ledger"

// Names of the local activities that keep the ledger's pending approvals.
const (
	activityPutPendingApproval    = "PutPendingApproval"
	activityDeletePendingApproval = "DeletePendingApproval"
)

// approvalsLedger keeps the ledger's row of the promotion's pending approval
// gate in step with the gate. Writes run one at a time, so that a late put
// never lands after the delete that should have followed it.
type approvalsLedger struct {
	want    *PendingApproval // what the ledger should hold; nil: no row
	have    *PendingApproval // what the writes made it hold
	syncing bool
}

// syncApprovals writes the pending approval gate (r.approvals.want) to the
// ledger: a put when it starts and after each approval, a delete when it
// ends. The writes run in their own coroutine, disconnected from ctx so that
// a cancelled promotion still clears its gate, and count in r.writes so that
// the promotion ends only after them.
func (r *promotionRecord) syncApprovals(ctx workflow.Context) {
	if r.approvals.syncing || reflect.DeepEqual(r.approvals.want, r.approvals.have) {
		return
	}
	r.approvals.syncing = true
	r.writes++
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	workflow.Go(dctx, func(ctx workflow.Context) {
		defer func() { r.approvals.syncing, r.writes = false, r.writes-1 }()
		for !reflect.DeepEqual(r.approvals.want, r.approvals.have) {
			want, have := r.approvals.want, r.approvals.have
			if have != nil && (want == nil || want.Environment != have.Environment) {
				r.writeLedger(ctx, activityDeletePendingApproval, contracts.DeletePendingApprovalInput{
					PromotionID: r.state.ID, Environment: have.Environment})
				r.approvals.have = nil
				continue
			}
			r.writeLedger(ctx, activityPutPendingApproval, r.ledgerPendingApproval(*want))
			r.approvals.have = want
		}
	})
}

// ledgerPendingApproval is the ledger's row of a pending approval gate.
func (r *promotionRecord) ledgerPendingApproval(p PendingApproval) ledger.PendingApproval {
	out := ledger.PendingApproval{
		PromotionID: r.state.ID, RunID: r.state.RunID, Project: r.in.Project, Version: r.in.Version,
		Commit: p.Commit, Branch: p.Branch, TriggeredBy: p.TriggeredBy, Environment: p.Environment,
		Approvers: p.Approvers, Required: p.Required, ApprovedBy: p.ApprovedBy,
		WaitingSince: p.WaitingSince, Deadline: p.Deadline, UpdatedAt: r.now(),
	}
	for _, e := range p.Earlier {
		out.Earlier = append(out.Earlier, ledger.EnvironmentResult{Environment: e.Environment, State: e.State})
	}
	return out
}
