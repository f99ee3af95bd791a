package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/pipeline"
)

// Activity names of promotions, as registered from the methods of
// activities.PromotionActivities and activities.LedgerActivities.
const (
	activityEnterEnvironment   = "EnterEnvironment"
	activityAcquireEnvironment = "AcquireEnvironment"
	activityCheckFreeze        = "CheckFreeze"
	activityDeploy             = "Deploy"
	activityCheckHTTP          = "CheckHTTP"
	activityCheckTask          = "CheckTask"
	activityWaitExternal       = "WaitExternal"
	activityCheckJenkins       = "CheckJenkins"
	activityCheckGitHub        = "CheckGitHubActions"
	activityCheckGitLab        = "CheckGitLab"
	activityRecordPromotion    = "RecordPromotion"
	activityRecordDeployment   = "RecordDeployment"
	activityRecordDecision     = "RecordDecision"
	activityRecordAudit        = "RecordAudit"
)

// promotionRun walks one Promotion through its plan: for each environment
// the gates (soak, window, approval, freeze), the lock, the deploy and the
// verifications. It keeps only what deciding needs; what the promotion shows
// and keeps goes through rec, and what it asks of each environment's lock
// through lock, each call written where it happens. Only workflow code
// touches them: the main coroutine, the signal listeners and the update
// handlers.
type promotionRun struct {
	in PromotionInput
	// plan is what the promotion runs: in.Plan, or for a promotion started
	// before plans, in.Environments compiled when it started.
	plan pipeline.PromotionPlan
	now  func() time.Time
	// cur is the index of the environment the promotion is in, -1 before the first.
	cur int
	// rec is the promotion's state, events, notifications, visibility and
	// ledger rows (recording).
	rec *promotionRecord
	// lock is the promotion's side of the current environment's lock.
	lock *envLock

	// Gates. soakUntil is when the soak of the last deployed environment
	// ends; freezeRecheck is set by SignalFreezeLifted: the freeze gate asks
	// again now.
	soakUntil     *time.Time
	soakFrom      string
	freezeRecheck bool
	// Decisions: signed is true when only signed decisions count (see
	// authenticate); nonces are the nonces of the signed decisions and bake
	// skips applied, forgeries counts the unauthenticated ones refused.
	signed    bool
	nonces    map[string]bool
	forgeries int
	// trustChecks is set in promotions since promotion-changes version
	// 3: prevent_self_approval refuses in.RegisteredBy too, and the user
	// named by the forge login of a trigger "<forge>:<login>"; an approval
	// through the temporal-operator override counts once per gate, and only
	// for an approver named in person; a promotion that waited for the lock
	// passes the window and the freeze again before it deploys; a decision
	// signed before the run started does not count.
	trustChecks bool

	// Deploy and verify: baking is true while the current environment's
	// bake runs; skipBake is the update that ended it early.
	baking   bool
	skipBake *SkipBake
}

func newPromotionRun(ctx workflow.Context, in PromotionInput) *promotionRun {
	info := workflow.GetInfo(ctx)
	now := func() time.Time { return workflow.Now(ctx).UTC() }
	r := &promotionRun{in: in, cur: -1, now: now, lock: &envLock{project: in.Project}}
	if in.Plan != nil {
		r.plan = *in.Plan
	} else {
		// Deterministic on replay: it reads the input, the workflow's start
		// time and (for windows) the worker's embedded time zone database,
		// as these promotions always did. A window whose zone is unknown
		// carries the error and fails its gate, as it did.
		r.plan, _ = pipeline.CompilePromotion(in.Environments, now())
	}
	r.rec = &promotionRecord{in: in, now: now, state: PromotionState{
		ID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		Project: in.Project, Version: in.Version, Commit: in.Commit, Branch: in.Branch,
		BuildID: in.BuildID, TriggeredBy: in.TriggeredBy,
		Status: PromotionRunning, StartedAt: now(),
		Kind: in.Kind, Reason: in.Reason, Of: in.Of,
		Environments: make([]EnvironmentState, len(r.plan.Environments)),
	}}
	for i, env := range r.plan.Environments {
		es := EnvironmentState{Name: env.Name, State: EnvPending, Rules: env.Rules}
		if w := env.Window; w != nil {
			es.Gates = append(es.Gates, GateState{Kind: GateWindow, State: GateWaiting, Detail: windowText(*w), From: w.From})
		}
		if a := env.Approval; a != nil {
			es.Gates = append(es.Gates, GateState{Kind: GateApproval, State: GateWaiting,
				Approvers: a.Approvers, Required: a.Required, From: a.From})
		}
		r.rec.state.Environments[i] = es
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

func (r *promotionRun) envIndex(name string) int {
	return r.plan.Index(name)
}

// setState moves environment i to a state, shows it and brings the ledger's
// pending approval row in step.
func (r *promotionRun) setState(ctx workflow.Context, i int, state string) {
	r.rec.env(i).State = state
	r.rec.publish(ctx, r.cur)
	r.rec.syncApprovals(ctx)
}
