package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/pipeline"
)

func approve(env, actor string, groups ...string) Decision {
	return Decision{Environment: env, Approve: true, Actor: actor, Groups: groups, Channel: "api"}
}

func reject(env, actor, comment string) Decision {
	return Decision{Environment: env, Approve: false, Actor: actor, Comment: comment, Channel: "api"}
}

func TestPromotionApprovalNeedsAQuorumOfDistinctApprovers(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	first := pe.update(time.Hour, DecideUpdate, approve("prod", "bob", "release"))
	waiting := pe.queryAt(t, 90*time.Minute)
	second := pe.update(2*time.Hour, DecideUpdate, approve("prod", "carol", "qa", "release"))
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod", withApproval(2, "alice", "group:release"))))
	require.NoError(t, err)

	require.NoError(t, first.err)
	require.Equal(t, DecisionResult{Environment: "prod", State: GatePending, Approvals: 1, Required: 2}, first.result)
	require.NoError(t, second.err)
	require.Equal(t, DecisionResult{Environment: "prod", State: GateApproved, Approvals: 2, Required: 2}, second.result)

	require.Equal(t, EnvAwaitingApproval, waiting.Environments[1].State)
	require.Equal(t, "prod", waiting.Current)
	gate := waiting.Environments[1].Gates[0]
	require.Equal(t, GatePending, gate.State)
	require.Len(t, gate.Decisions, 1)
	require.Equal(t, promotionStart.Add(72*time.Hour), gate.Deadline.UTC())

	require.Equal(t, PromotionCompleted, state.Status)
	require.Equal(t, EnvDeployed, state.Environments[1].State)
	require.Equal(t, GateApproved, state.Environments[1].Gates[0].State)
	require.True(t, hasEvent(state, EventApprovalRequested, "prod"))
	require.False(t, state.Environments[1].Deploy.StartedAt.Before(promotionStart.Add(2*time.Hour)), "no deploy before the quorum")

	require.Len(t, pe.ledger.decisions, 2)
	require.Equal(t, "bob", pe.ledger.decisions[0].Actor)
	require.True(t, pe.ledger.decisions[1].Approve)
	require.Equal(t, "promote/demo/1.2.0", pe.ledger.decisions[1].PromotionID)
	require.Equal(t, "carol", pe.ledger.deployments[len(pe.ledger.deployments)-1].Actor, "the last approver let it in")
}

func TestPromotionRefusesDecisions(t *testing.T) {
	selfApproval := func(e *pipeline.Environment) { e.Approval.PreventSelfApproval = true }
	cases := []struct {
		name  string
		envs  []pipeline.Environment
		first *Decision // accepted before the refused one, when set
		// registeredBy registered artifacts of the version (the input's
		// RegisteredBy); triggeredBy, when set, replaces the input's "dave".
		registeredBy []string
		triggeredBy  string
		decision     Decision
		errType      string
		message      string
	}{
		{
			name:     "not an approver",
			envs:     []pipeline.Environment{environment("prod", withApproval(1, "alice", "group:release"))},
			decision: approve("prod", "mallory", "qa"),
			errType:  ErrTypeNotApprover, message: "not an approver: mallory is not in alice, group:release",
		},
		{
			name:     "self-approval",
			envs:     []pipeline.Environment{environment("prod", withApproval(1, "alice", "dave"), selfApproval)},
			decision: approve("prod", "dave"),
			errType:  ErrTypeSelfApproval, message: "self-approval: dave triggered this version",
		},
		{
			name:         "self-approval by a registrant of an artifact",
			envs:         []pipeline.Environment{environment("prod", withApproval(1, "alice", "mallory"), selfApproval)},
			registeredBy: []string{"bob", "mallory"},
			decision:     approve("prod", "mallory"),
			errType:      ErrTypeSelfApproval, message: "self-approval: mallory is credited with this version (registered an artifact, pushed its commit or triggered an earlier run)",
		},
		{
			name:        "self-approval by the pusher of a webhook build",
			envs:        []pipeline.Environment{environment("prod", withApproval(1, "alice", "dave"), selfApproval)},
			triggeredBy: "github:Dave",
			decision:    approve("prod", "dave"),
			errType:     ErrTypeSelfApproval, message: "self-approval: dave triggered this version as github:Dave",
		},
		{
			name:         "self-approval by a build's pusher among the registrants",
			envs:         []pipeline.Environment{environment("prod", withApproval(1, "alice", "mallory"), selfApproval)},
			registeredBy: []string{"bob", "gitlab:mallory"},
			decision:     approve("prod", "mallory"),
			errType:      ErrTypeSelfApproval, message: "self-approval: mallory is credited with this version (registered an artifact, pushed its commit or triggered an earlier run)",
		},
		{
			name:     "duplicate approver",
			envs:     []pipeline.Environment{environment("prod", withApproval(2, "alice", "bob"))},
			first:    &Decision{Environment: "prod", Approve: true, Actor: "alice", Channel: "cli"},
			decision: approve("prod", "alice"),
			errType:  ErrTypeAlreadyDecided, message: "already decided: alice already approved",
		},
		{
			name:     "environment without a pending approval",
			envs:     []pipeline.Environment{environment("staging"), environment("prod", withApproval(1, "alice"))},
			decision: approve("staging", "alice"),
			errType:  ErrTypeNotPending, message: "not pending: environment staging has no pending approval",
		},
		{
			name: "environment not reached yet",
			envs: []pipeline.Environment{
				environment("staging", withApproval(1, "bob")), environment("prod", withApproval(1, "alice")),
			},
			decision: approve("prod", "alice"),
			errType:  ErrTypeNotPending, message: "not pending: environment prod has no pending approval",
		},
		{
			name:     "unknown environment",
			envs:     []pipeline.Environment{environment("prod", withApproval(1, "alice"))},
			decision: approve("qa", "alice"),
			errType:  ErrTypeNotPending, message: "not pending: environment qa has no pending approval (no such environment)",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pe := newPromotionEnv(t, nil)
			if tc.first != nil {
				pe.update(time.Hour, DecideUpdate, *tc.first)
			}
			refused := pe.update(2*time.Hour, DecideUpdate, tc.decision)
			in := promotionInput(tc.envs...)
			in.RegisteredBy = tc.registeredBy
			if tc.triggeredBy != "" {
				in.TriggeredBy = tc.triggeredBy
			}
			state, err := pe.run(t, in)
			require.NoError(t, err)

			require.True(t, refused.done)
			require.Error(t, refused.err)
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, refused.err, &appErr)
			require.Equal(t, tc.errType, appErr.Type())
			require.Equal(t, tc.message, appErr.Message())
			kind, ok := IsDecisionRefused(refused.err)
			require.True(t, ok)
			require.Equal(t, tc.errType, kind)

			// The refused decision changed nothing: the gate expired untouched.
			require.Equal(t, PromotionStopped, state.Status)
			for _, d := range pe.ledger.decisions {
				require.NotEqual(t, tc.decision, Decision{Environment: d.Environment, Approve: d.Approve, Actor: d.Actor, Channel: d.Channel})
			}
			require.Zero(t, pe.acts.callCount("prod/deploy"))
		})
	}
}

func TestPromotionSelfRejectionIsAllowed(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	selfApproval := func(e *pipeline.Environment) { e.Approval.PreventSelfApproval = true }
	out := pe.update(time.Hour, DecideUpdate, reject("prod", "dave", "not ready"))
	state, err := pe.run(t, promotionInput(environment("prod", withApproval(1, "dave", "alice"), selfApproval)))
	require.NoError(t, err)
	require.NoError(t, out.err)
	require.Equal(t, EnvRejected, state.Environments[0].State)
}

// Registrants, and a push's pusher by their forge login, are refused since
// promotion-changes version 3; a promotion
// recorded before decides as it did (a decision sent as a signal is refused
// in workflow code, so its history must replay the same).
func TestRegistrantsAreRefusedSincePromotionChanges3(t *testing.T) {
	selfApproval := func(e *pipeline.Environment) { e.Approval.PreventSelfApproval = true }
	for _, c := range []struct {
		version             workflow.Version
		registrant, trigger string
	}{
		{2, "mallory", "dave"}, {2, "bob", "github:mallory"},
		{promotionChangesVersion, "mallory", "dave"}, {promotionChangesVersion, "bob", "github:mallory"},
	} {
		version := c.version
		pe := newPromotionEnv(t, nil)
		pe.env.OnGetVersion(promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion).Return(version)
		out := pe.update(time.Hour, DecideUpdate, approve("prod", "mallory"))
		in := promotionInput(environment("prod", withApproval(1, "alice", "mallory"), selfApproval))
		in.RegisteredBy, in.TriggeredBy = []string{c.registrant}, c.trigger
		state, err := pe.run(t, in)
		require.NoError(t, err)
		if version == 2 {
			require.NoError(t, out.err)
			require.Equal(t, EnvDeployed, state.Environments[0].State)
			continue
		}
		kind, refused := IsDecisionRefused(out.err)
		require.True(t, refused, "version %d: %v", version, out.err)
		require.Equal(t, ErrTypeSelfApproval, kind)
		require.Equal(t, EnvExpired, state.Environments[0].State)
	}
}

func TestPromotionApprovalTimesOut(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	timeout := func(e *pipeline.Environment) { e.Approval.Timeout = pipeline.Duration(4 * time.Hour) }
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod", withApproval(1, "alice"), timeout)))
	require.NoError(t, err, "an expired approval stops the promotion, it does not fail the workflow")
	require.Equal(t, PromotionStopped, state.Status)
	prod := state.Environments[1]
	require.Equal(t, EnvExpired, prod.State)
	require.Equal(t, GateExpired, prod.Gates[0].State)
	require.Equal(t, promotionStart.Add(4*time.Hour), prod.FinishedAt.UTC())
	require.Nil(t, prod.Deploy)
	require.Equal(t, []string{"dev acquire", "dev release deployed", "prod leave expired"}, pe.locks.sent())
	require.Equal(t, string(PromotionStopped), pe.ledger.promotions[len(pe.ledger.promotions)-1].Status)
}

func TestPromotionRejectionStopsBeforeLaterEnvironments(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	out := pe.update(time.Hour, DecideUpdate, reject("staging", "bob", "breaks the API"))
	state, err := pe.run(t, promotionInput(
		environment("dev"), environment("staging", withApproval(1, "bob")), environment("prod"),
	))
	require.NoError(t, err)
	require.NoError(t, out.err)
	require.Equal(t, DecisionResult{Environment: "staging", State: GateRejected, Approvals: 0, Required: 1}, out.result)
	require.Equal(t, PromotionStopped, state.Status)
	require.Equal(t, map[string]string{"dev": EnvDeployed, "staging": EnvRejected, "prod": EnvPending}, envStates(state))
	require.Equal(t, "rejected by bob: breaks the API", state.Environments[1].Detail)
	require.Nil(t, state.Environments[2].StartedAt)
	require.Zero(t, pe.acts.callCount("staging/deploy"))
	require.Zero(t, pe.acts.callCount("prod/deploy"))
	require.Len(t, pe.acts.entered, 2)
	require.Equal(t, []string{"dev acquire", "dev release deployed", "staging leave rejected"}, pe.locks.sent())
	require.True(t, hasEvent(state, EventRejected, "staging"))
	require.Len(t, pe.ledger.decisions, 1)
	require.False(t, pe.ledger.decisions[0].Approve)
	require.Equal(t, "breaks the API", pe.ledger.decisions[0].Comment)
}

func TestPromotionDecisionBySignalIsValidatedTheSameWay(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	// Both signed by the API: a signal counts like an update, and is
	// validated the same way.
	pe.signal(time.Hour, DecideUpdate, Decision{Environment: "prod", Approve: true, Actor: "mallory", Channel: "cli"})
	pe.signal(2*time.Hour, DecideUpdate, Decision{Environment: "prod", Approve: true, Actor: "alice", Channel: "cli"})
	state, err := pe.run(t, promotionInput(environment("prod", withApproval(1, "alice"))))
	require.NoError(t, err)
	require.Equal(t, EnvDeployed, state.Environments[0].State)

	var refused *Event
	for i, e := range state.Events {
		if e.Type == EventDecisionRefused {
			refused = &state.Events[i]
		}
	}
	require.NotNil(t, refused)
	require.Equal(t, "not an approver: mallory is not in alice", refused.Message)
	decisions := state.Environments[0].Gates[0].Decisions
	require.Len(t, decisions, 1, "the refused decision was never applied")
	require.Equal(t, "alice", decisions[0].Actor)
	require.Equal(t, "cli", decisions[0].Channel)
	require.Len(t, pe.ledger.decisions, 1)
	require.Equal(t, "cli", pe.ledger.decisions[0].Channel)
	require.Empty(t, pe.audit.entries, "a signed decision refused by the rules is not a forgery")
}
