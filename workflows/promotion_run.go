package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// Activity names of promotions, as registered from the methods of
// activities.PromotionActivities and activities.LedgerActivities.
const (
	activityEnterEnvironment = "EnterEnvironment"
	activityCheckFreeze      = "CheckFreeze"
	activityDeploy           = "Deploy"
	activityCheckHTTP        = "CheckHTTP"
	activityCheckTask        = "CheckTask"
	activityWaitExternal     = "WaitExternal"
	activityRecordPromotion  = "RecordPromotion"
	activityRecordDeployment = "RecordDeployment"
	activityRecordDecision   = "RecordDecision"
	activityRecordAudit      = "RecordAudit"
)

// promotionRun holds one Promotion's input and live state. Only workflow code
// touches it: the main coroutine, the signal listeners and the update handlers.
type promotionRun struct {
	in PromotionInput
	// plan is what the promotion runs: in.Plan, or for a promotion started
	// before plans, in.Environments compiled when it started.
	plan  pipeline.PromotionPlan
	state PromotionState
	now   func() time.Time
	// cur is the index of the environment the promotion is in, -1 before the first.
	cur int
	// Set by signals for the current environment.
	superseded *contracts.Superseded
	grant      *contracts.LockGrant
	skipBake   *SkipBake
	// soakUntil is when the soak of the last deployed environment ends.
	soakUntil *time.Time
	soakFrom  string
	// request is how the promotion identifies itself to the current environment.
	request contracts.LockRequest
	// freezeRecheck is set by SignalFreezeLifted: the freeze gate asks again now.
	freezeRecheck bool
	// baking is true while the current environment's bake runs.
	baking bool
	// writes counts ledger writes of decisions and pending approvals still in flight.
	writes int
	// approvals keeps the ledger's pending approval gate in step (see syncApprovals).
	approvals approvalsLedger
	// notify sends events to the promotion's sinks; nil when there are none.
	notify *notifier
	// signed is true when only signed decisions count (see authenticate);
	// nonces are the nonces of the signed decisions and bake skips applied,
	// forgeries counts the unauthenticated ones refused.
	signed    bool
	nonces    map[string]bool
	forgeries int
}

func newPromotionRun(ctx workflow.Context, in PromotionInput) *promotionRun {
	info := workflow.GetInfo(ctx)
	r := &promotionRun{in: in, cur: -1, now: func() time.Time { return workflow.Now(ctx).UTC() }}
	if in.Plan != nil {
		r.plan = *in.Plan
	} else {
		// Deterministic on replay: it reads the input, the workflow's start
		// time and (for windows) the worker's embedded time zone database,
		// as these promotions always did. A window whose zone is unknown
		// carries the error and fails its gate, as it did.
		r.plan, _ = pipeline.CompilePromotion(in.Environments, r.now())
	}
	r.state = PromotionState{
		ID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		Project: in.Project, Version: in.Version, Commit: in.Commit, Branch: in.Branch,
		BuildID: in.BuildID, TriggeredBy: in.TriggeredBy,
		Status: PromotionRunning, StartedAt: r.now(),
		Kind: in.Kind, Reason: in.Reason, Of: in.Of,
		Environments: make([]EnvironmentState, len(r.plan.Environments)),
	}
	for i, env := range r.plan.Environments {
		es := EnvironmentState{Name: env.Name, State: EnvPending, Rules: env.Rules}
		if w := env.Window; w != nil {
			es.Gates = append(es.Gates, GateState{Kind: GateWindow, State: GateWaiting, Detail: windowText(*w)})
		}
		if a := env.Approval; a != nil {
			es.Gates = append(es.Gates, GateState{Kind: GateApproval, State: GateWaiting,
				Approvers: a.Approvers, Required: a.Required})
		}
		r.state.Environments[i] = es
	}
	return r
}

func windowText(w pipeline.PlanWindow) string {
	days, tz := "every day", "UTC"
	if len(w.Days) > 0 {
		days = strings.Join(w.Days, ",")
	}
	if w.Timezone != "" {
		tz = w.Timezone
	}
	return fmt.Sprintf("%s %s-%s %s", days, w.Start, w.End, tz)
}

// env is the state of the environment at index i.
func (r *promotionRun) env(i int) *EnvironmentState {
	return &r.state.Environments[i]
}

// gate is the gate of a kind of environment i, or nil.
func (r *promotionRun) gate(i int, kind string) *GateState {
	for g := range r.state.Environments[i].Gates {
		if r.state.Environments[i].Gates[g].Kind == kind {
			return &r.state.Environments[i].Gates[g]
		}
	}
	return nil
}

func (r *promotionRun) envIndex(name string) int {
	return r.plan.Index(name)
}

// emit appends an event to the promotion's event list.
func (r *promotionRun) emit(typ, env, msg string) {
	ev := Event{Type: typ, Time: r.now(), Stage: env, Message: msg}
	r.state.Events = append(r.state.Events, ev)
	r.notify.send(ev)
}

// setState moves environment i to a state and publishes it.
func (r *promotionRun) setState(ctx workflow.Context, i int, state string) {
	r.env(i).State = state
	r.publish(ctx)
}

// publish shows the promotion's state in its search attributes (a pending
// approval gate in its memo too, see publishApproval) and in the current
// details Temporal Web displays.
func (r *promotionRun) publish(ctx workflow.Context) {
	envName, envState := "", ""
	if r.cur >= 0 {
		envName, envState = r.env(r.cur).Name, r.env(r.cur).State
	}
	kw := temporal.NewSearchAttributeKeyKeyword
	updates := append([]temporal.SearchAttributeUpdate{
		kw(SearchAttrProject).ValueSet(r.in.Project),
		kw(SearchAttrVersion).ValueSet(r.in.Version),
		kw(SearchAttrEnvironment).ValueSet(envName),
		kw(SearchAttrState).ValueSet(envState),
		kw(SearchAttrStatus).ValueSet(string(r.state.Status)),
	}, r.publishApproval(ctx)...)
	err := workflow.UpsertTypedSearchAttributes(ctx, updates...)
	if err != nil {
		workflow.GetLogger(ctx).Warn("Search attributes not updated", "error", err)
	}
	workflow.SetCurrentDetails(ctx, r.details())
}

// details is a short markdown summary of the promotion.
func (r *promotionRun) details() string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s %s**: %s\n\n", r.in.Project, r.in.Version, r.state.Status)
	for i, es := range r.state.Environments {
		marker := "-"
		if i == r.cur && r.state.Status == PromotionRunning {
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
