package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/ledger"
)

// promotionRecord is what a promotion shows and keeps: its state (the
// answer to PromotionStateQuery and the workflow's result), its events and
// the sinks they go to, its search attributes, memo and Temporal Web
// details, and its rows in the ledger. It decides nothing.
type promotionRecord struct {
	in    PromotionInput
	now   func() time.Time
	state PromotionState
	// notify sends events to the promotion's sinks; nil when there are none.
	notify *notifier
	// writes counts ledger writes of decisions and pending approvals still in flight.
	writes int
	// approvals keeps the ledger's pending approval gate in step (see syncApprovals).
	approvals approvalsLedger
	// current is set in promotions started since promotionChangesChangeID:
	// they have every change versioned before it, without asking for each.
	current bool
}

// env is the state of the environment at index i.
func (r *promotionRecord) env(i int) *EnvironmentState {
	return &r.state.Environments[i]
}

// gate is the gate of a kind of environment i, or nil.
func (r *promotionRecord) gate(i int, kind string) *GateState {
	for g := range r.state.Environments[i].Gates {
		if r.state.Environments[i].Gates[g].Kind == kind {
			return &r.state.Environments[i].Gates[g]
		}
	}
	return nil
}

// emit appends an event to the promotion's event list and sends it to the sinks.
func (r *promotionRecord) emit(typ, env, msg string) {
	ev := Event{Type: typ, Time: r.now(), Stage: env, Message: msg}
	r.state.Events = append(r.state.Events, ev)
	r.notify.send(ev)
}

// publish shows the promotion's state in its search attributes (a pending
// approval gate in its memo too, see publishApproval) and in the current
// details Temporal Web displays.
func (r *promotionRecord) publish(ctx workflow.Context, cur int) {
	envName, envState := "", ""
	if cur >= 0 {
		envName, envState = r.env(cur).Name, r.env(cur).State
	}
	kw := temporal.NewSearchAttributeKeyKeyword
	updates := append([]temporal.SearchAttributeUpdate{
		kw(SearchAttrProject).ValueSet(r.in.Project),
		kw(SearchAttrVersion).ValueSet(r.in.Version),
		kw(SearchAttrEnvironment).ValueSet(envName),
		kw(SearchAttrState).ValueSet(envState),
		kw(SearchAttrStatus).ValueSet(string(r.state.Status)),
	}, r.publishApproval(ctx, cur)...)
	err := workflow.UpsertTypedSearchAttributes(ctx, updates...)
	if err != nil {
		workflow.GetLogger(ctx).Warn("Search attributes not updated", "error", err)
	}
	workflow.SetCurrentDetails(ctx, r.details(cur))
}

// details is a short markdown summary of the promotion.
func (r *promotionRecord) details(cur int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s %s**: %s\n\n", r.in.Project, r.in.Version, r.state.Status)
	for i, es := range r.state.Environments {
		marker := "-"
		if i == cur && r.state.Status == PromotionRunning {
			marker = "- **→**"
		}
		fmt.Fprintf(&b, "%s %s: %s", marker, es.Name, es.State)
		if g := r.gate(i, GateApproval); g != nil && es.State == EnvAwaitingApproval {
			fmt.Fprintf(&b, " (%d/%d approvals from %s)", approvals(*g), g.Required, strings.Join(g.Approvers, ", "))
		}
		if es.Detail != "" {
			fmt.Fprintf(&b, " — %s", es.Detail)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func approvals(g GateState) int {
	n := 0
	for _, d := range g.Decisions {
		if d.Approve {
			n++
		}
	}
	return n
}

func timePtr(t time.Time) *time.Time { return &t }

// The ledger writes of a promotion run as local activities, retried until
// they land (see ledgerContext); a write that still fails is logged, never
// allowed to stop the promotion.

func (r *promotionRecord) recordPromotion(ctx workflow.Context) {
	r.writeLedger(ctx, activityRecordPromotion, ledger.Promotion{
		ID: r.state.ID, RunID: r.state.RunID, Project: r.in.Project, Version: r.in.Version,
		Commit: r.in.Commit, Branch: r.in.Branch, BuildID: r.in.BuildID, TriggeredBy: r.in.TriggeredBy,
		Status: string(r.state.Status), StartedAt: r.state.StartedAt, FinishedAt: r.state.FinishedAt,
		Environments: r.environmentNames(),
		Kind:         r.in.Kind, Reason: r.in.Reason, Of: r.in.Of,
	})
}

// environmentNames are the promotion's environments in the order it walks them.
func (r *promotionRecord) environmentNames() []string {
	names := make([]string, len(r.state.Environments))
	for i, e := range r.state.Environments {
		names[i] = e.Name
	}
	return names
}

// recordDeployment records a deploy (or the rollback redeploy) of environment i.
func (r *promotionRecord) recordDeployment(ctx workflow.Context, i int, d ledger.Deployment) {
	d.PromotionID, d.RunID, d.Project, d.Environment = r.state.ID, r.state.RunID, r.in.Project, r.env(i).Name
	d.Kind = r.in.Kind
	if d.Actor == "" {
		d.Actor = r.actor(i)
	}
	r.writeLedger(ctx, activityRecordDeployment, d)
}

func (r *promotionRecord) recordDecision(ctx workflow.Context, env string, d DecisionInfo) {
	r.writes++
	defer func() { r.writes-- }()
	r.writeLedger(ctx, activityRecordDecision, ledger.Decision{
		PromotionID: r.state.ID, RunID: r.state.RunID, Project: r.in.Project, Version: r.in.Version,
		Environment: env, Actor: d.Actor, Approve: d.Approve, Channel: d.Channel, Comment: d.Comment, At: d.At,
	})
}

// actor is who let the version into environment i: its last approver, or
// whoever triggered the version.
func (r *promotionRecord) actor(i int) string {
	if g := r.gate(i, GateApproval); g != nil {
		for j := len(g.Decisions) - 1; j >= 0; j-- {
			if g.Decisions[j].Approve {
				return g.Decisions[j].Actor
			}
		}
	}
	return r.in.TriggeredBy
}

func (r *promotionRecord) writeLedger(ctx workflow.Context, activity string, arg any) {
	// The ledger must learn how a promotion ended even when it was cancelled.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	lctx := ledgerContext(dctx)
	if err := workflow.ExecuteLocalActivity(lctx, activity, arg).Get(lctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("Ledger write failed", "write", activity, "error", err)
	}
}
