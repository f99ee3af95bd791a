package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/ledger"
)

// The ledger writes of a promotion run as local activities, retried until
// they land (see ledgerContext); a write that still fails is logged, never
// allowed to stop the promotion.

func (r *promotionRun) recordPromotion(ctx workflow.Context) {
	r.writeLedger(ctx, activityRecordPromotion, ledger.Promotion{
		ID: r.state.ID, RunID: r.state.RunID, Project: r.in.Project, Version: r.in.Version,
		Commit: r.in.Commit, Branch: r.in.Branch, BuildID: r.in.BuildID, TriggeredBy: r.in.TriggeredBy,
		Status: string(r.state.Status), StartedAt: r.state.StartedAt, FinishedAt: r.state.FinishedAt,
		Environments: r.environmentNames(),
		Kind:         r.in.Kind, Reason: r.in.Reason, Of: r.in.Of,
	})
}

// environmentNames are the promotion's environments in the order it walks them.
func (r *promotionRun) environmentNames() []string {
	names := make([]string, len(r.state.Environments))
	for i, e := range r.state.Environments {
		names[i] = e.Name
	}
	return names
}

// recordDeployment records a deploy (or the rollback redeploy) of environment i.
func (r *promotionRun) recordDeployment(ctx workflow.Context, i int, d ledger.Deployment) {
	d.PromotionID, d.RunID, d.Project, d.Environment = r.state.ID, r.state.RunID, r.in.Project, r.env(i).Name
	d.Kind = r.in.Kind
	if d.Actor == "" {
		d.Actor = r.actor(i)
	}
	r.writeLedger(ctx, activityRecordDeployment, d)
}

func (r *promotionRun) recordDecision(ctx workflow.Context, env string, d DecisionInfo) {
	r.writes++
	defer func() { r.writes-- }()
	r.writeLedger(ctx, activityRecordDecision, ledger.Decision{
		PromotionID: r.state.ID, RunID: r.state.RunID, Project: r.in.Project, Version: r.in.Version,
		Environment: env, Actor: d.Actor, Approve: d.Approve, Channel: d.Channel, Comment: d.Comment, At: d.At,
	})
}

// actor is who let the version into environment i: its last approver, or
// whoever triggered the version.
func (r *promotionRun) actor(i int) string {
	if g := r.gate(i, GateApproval); g != nil {
		for j := len(g.Decisions) - 1; j >= 0; j-- {
			if g.Decisions[j].Approve {
				return g.Decisions[j].Actor
			}
		}
	}
	return r.in.TriggeredBy
}

func (r *promotionRun) writeLedger(ctx workflow.Context, activity string, arg any) {
	// The ledger must learn how a promotion ended even when it was cancelled.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	lctx := ledgerContext(dctx)
	if err := workflow.ExecuteLocalActivity(lctx, activity, arg).Get(lctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("Ledger write failed", "write", activity, "error", err)
	}
}
