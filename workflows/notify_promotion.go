package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// startNotifier sets up the promotion's notifications (see newNotifier).
func (r *promotionRun) startNotifier(ctx workflow.Context) {
	base := contracts.NotifyEvent{Kind: "promotion", Project: r.in.Project, Repository: r.in.Repository,
		Commit: r.in.Commit, Branch: r.in.Branch, Version: r.in.Version}
	resolve := newNotifier
	if r.rec.current {
		resolve = resolveNotifier // past the "notify" change
	}
	r.rec.notify = resolve(ctx, contracts.ResolveSinksInput{Notify: r.in.Notify, Repository: r.in.Repository}, base, notifyHooks{
		fill: func(ev *contracts.NotifyEvent) {
			ev.Status, ev.Environment = string(r.rec.state.Status), ev.Stage
		},
		title: func() string {
			return fmt.Sprintf("*%s %s* promotion: %s", r.in.Project, r.in.Version, r.rec.state.Status)
		},
		status:   r.commitStatus,
		approval: r.slackApproval,
		record: func(ev Event) {
			ev.Time = r.now()
			r.rec.state.Events = append(r.rec.state.Events, ev)
		},
	})
}

// commitStatus is the drover/deploy/<env> status an event sets.
func (r *promotionRun) commitStatus(ev Event) (contracts.CommitStatus, bool) {
	cs := contracts.CommitStatus{Repository: r.in.Repository, Commit: r.in.Commit, Context: "drover/deploy/" + ev.Stage}
	switch ev.Type {
	case EventApprovalRequested:
		cs.State, cs.Description = contracts.CommitStatusPending, r.in.Version+" awaiting approval"
	case EventDeployStarted:
		cs.State, cs.Description = contracts.CommitStatusPending, "deploying "+r.in.Version
	case EventDeployCompleted:
		cs.State, cs.Description = contracts.CommitStatusSuccess, r.in.Version+" deployed"
	case EventVerificationCompleted:
		cs.State, cs.Description = contracts.CommitStatusSuccess, r.in.Version+" deployed and verified"
	case EventDeployFailed, EventVerificationFailed, EventRolledBack, EventRejected:
		cs.State, cs.Description = contracts.CommitStatusFailure, ev.Message
	default:
		return cs, false
	}
	return cs, ev.Stage != ""
}

// slackApproval is the current environment's approval gate while it waits
// for decisions: the Slack message then carries Approve and Reject buttons.
func (r *promotionRun) slackApproval() *contracts.SlackApproval {
	if r.cur < 0 || r.rec.state.Status != PromotionRunning {
		return nil
	}
	g := r.rec.gate(r.cur, GateApproval)
	if g == nil || g.State != GatePending || g.WaitingSince == nil {
		return nil
	}
	return &contracts.SlackApproval{PromotionID: r.rec.state.ID, Environment: r.rec.env(r.cur).Name}
}
