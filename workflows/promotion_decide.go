package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// IsDecisionRefused reports whether err is (or wraps) a refusal of a decision
// or a SkipBake update, and returns its error type.
func IsDecisionRefused(err error) (string, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return "", false
	}
	switch t := appErr.Type(); t {
	case ErrTypeNotApprover, ErrTypeSelfApproval, ErrTypeAlreadyDecided, ErrTypeNotPending, ErrTypeSuperseded,
		ErrTypeUnauthenticated:
		return t, true
	}
	return "", false
}

func refuse(errType, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), errType, DecisionRefused)
}

// validateDecision says why a decision may not be applied, or nil. It only reads the state.
func (r *promotionRun) validateDecision(d Decision) error {
	i := r.envIndex(d.Environment)
	if i < 0 {
		return refuse(ErrTypeNotPending, "not pending: environment %s has no pending approval (no such environment)", d.Environment)
	}
	es := r.rec.env(i)
	if es.State == EnvSuperseded {
		return refuse(ErrTypeSuperseded, "superseded: %s %s was %s", d.Environment, r.in.Version, es.Detail)
	}
	g := r.rec.gate(i, GateApproval)
	if g == nil || i != r.cur || es.State != EnvAwaitingApproval || g.State != GatePending {
		return refuse(ErrTypeNotPending, "not pending: environment %s has no pending approval", d.Environment)
	}
	if !mayDecide(g.Approvers, d.Actor, d.Groups) {
		return refuse(ErrTypeNotApprover, "not an approver: %s is not in %s", actorName(d.Actor), strings.Join(g.Approvers, ", "))
	}
	if err := r.validateOverride(g, d); err != nil {
		return err
	}
	if d.Approve && r.plan.Environments[i].Approval.PreventSelfApproval {
		switch {
		case d.Actor == r.in.TriggeredBy:
			return refuse(ErrTypeSelfApproval, "self-approval: %s triggered this version", d.Actor)
		case r.trustChecks && isForgeLoginOf(r.in.TriggeredBy, d.Actor):
			return refuse(ErrTypeSelfApproval, "self-approval: %s triggered this version as %s", d.Actor, r.in.TriggeredBy)
		case r.trustChecks && slices.ContainsFunc(r.in.RegisteredBy, func(who string) bool {
			return who == d.Actor || isForgeLoginOf(who, d.Actor)
		}):
			return refuse(ErrTypeSelfApproval, "self-approval: %s is credited with this version (registered an artifact, pushed its commit or triggered an earlier run)", d.Actor)
		}
	}
	for _, prior := range g.Decisions {
		if prior.Actor == d.Actor {
			return refuse(ErrTypeAlreadyDecided, "already decided: %s already approved", d.Actor)
		}
	}
	return nil
}

// validateOverride refuses, since promotion-changes version 3, an approval
// through the temporal-operator override (unsigned: anyone who reaches
// Temporal may send one, naming any actor and groups) by an approver not
// named in person, or a second one on the same gate: otherwise one sender
// could make up as many approvers as the gate requires.
func (r *promotionRun) validateOverride(g *GateState, d Decision) error {
	if !r.trustChecks || !d.Approve || d.Channel != ChannelTemporalOperator {
		return nil
	}
	if strings.HasPrefix(d.Actor, "group:") || !slices.Contains(g.Approvers, d.Actor) {
		return refuse(ErrTypeNotApprover, "not an approver: a temporal-operator override counts only for an approver named in person, and %s is not in %s",
			actorName(d.Actor), strings.Join(g.Approvers, ", "))
	}
	for _, prior := range g.Decisions {
		if prior.Approve && prior.Channel == ChannelTemporalOperator {
			return refuse(ErrTypeAlreadyDecided, "already decided: a temporal-operator override counts once per gate (%s approved through it)", prior.Actor)
		}
	}
	return nil
}

// isForgeLoginOf reports whether who is a forge's login "<forge>:<login>"
// whose login is actor's name, but for case (forges' logins ignore it): a
// push's build is triggered by "github:alice", and Drover's user alice
// approves as "alice". A login that differs from the user's name counts
// when the identity file links it: the API then names the user as the
// trigger (forge_logins).
func isForgeLoginOf(who, actor string) bool {
	login, ok := contracts.ForgeLogin(who)
	return ok && actor != "" && strings.EqualFold(login, actor)
}

// mayDecide reports whether actor, a member of groups, is one of approvers
// (by name, or by a "group:<name>" entry).
func mayDecide(approvers []string, actor string, groups []string) bool {
	if actor == "" {
		return false
	}
	for _, a := range approvers {
		if group, ok := strings.CutPrefix(a, "group:"); ok {
			if slices.ContainsFunc(groups, func(g string) bool { return strings.TrimPrefix(g, "group:") == group }) {
				return true
			}
		} else if a == actor {
			return true
		}
	}
	return false
}

func actorName(actor string) string {
	if actor == "" {
		return "an anonymous caller"
	}
	return actor
}

// decide applies a validated decision to the current environment's approval gate.
func (r *promotionRun) decide(ctx workflow.Context, d Decision) DecisionResult {
	i := r.envIndex(d.Environment)
	g := r.rec.gate(i, GateApproval)
	info := DecisionInfo{Actor: d.Actor, Approve: d.Approve, Comment: d.Comment, Channel: d.Channel, At: r.now()}
	if d.Proof != nil && r.signed {
		info.RequestID, info.KeyID = d.Proof.Nonce, d.Proof.KeyID
	}
	r.useNonce(d.Proof)
	g.Decisions = append(g.Decisions, info)
	n := approvals(*g)
	// An override decision says so wherever it is shown.
	by := d.Actor
	if d.Channel == ChannelTemporalOperator {
		by += " (temporal-operator override, not authenticated by Drover)"
	}
	if d.Approve {
		if n >= g.Required {
			g.State = GateApproved
		}
		r.rec.emit(EventApproved, d.Environment, withComment(fmt.Sprintf("%s approved %s (%d of %d)", by, d.Environment, n, g.Required), d.Comment))
	} else {
		g.State = GateRejected
		r.rec.env(i).Detail = withComment("rejected by "+by, d.Comment)
		r.rec.emit(EventRejected, d.Environment, withComment(fmt.Sprintf("%s rejected %s", by, d.Environment), d.Comment))
	}
	res := DecisionResult{Environment: d.Environment, State: g.State, Approvals: n, Required: g.Required}
	r.rec.publish(ctx, r.cur)
	r.rec.syncApprovals(ctx)
	r.rec.recordDecision(ctx, d.Environment, info)
	return res
}

func withComment(msg, comment string) string {
	if comment == "" {
		return msg
	}
	return msg + ": " + comment
}

// validateSkipBake refuses to skip a bake that is not running.
func (r *promotionRun) validateSkipBake(s SkipBake) error {
	if r.cur < 0 || r.rec.env(r.cur).Name != s.Environment || !r.baking || r.skipBake != nil {
		return refuse(ErrTypeNotPending, "not pending: environment %s has no bake running", s.Environment)
	}
	return nil
}
