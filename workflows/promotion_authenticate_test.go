package workflows

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/ledger"
)

// testSigner signs decisions as the API does, each with a new nonce.
type testSigner struct {
	*decision.Signer
	mu sync.Mutex
	n  int
}

func newTestSigner(seedByte byte) *testSigner {
	s, err := decision.NewSigner(bytes.Repeat([]byte{seedByte}, 32))
	if err != nil {
		panic(err)
	}
	return &testSigner{Signer: s}
}

// apiSigner holds the key of the API of the tests; promotionInput trusts it.
var apiSigner = newTestSigner(7)

func (s *testSigner) nonce() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return fmt.Sprintf("req-%d", s.n)
}

// signed signs a Decision or a SkipBake without a proof for the promotion under test.
func (pe *promotionEnv) signed(arg any) any {
	switch v := arg.(type) {
	case Decision:
		if v.Proof == nil {
			return SignDecision(pe.sign.Signer, pe.id, pe.sign.nonce(), promotionStart, v)
		}
	case SkipBake:
		if v.Channel == "" {
			v.Channel = "api" // as the API sets it
		}
		if v.Proof == nil {
			return SignSkipBake(pe.sign.Signer, pe.id, pe.sign.nonce(), promotionStart, v)
		}
	}
	return arg
}

// fakeAudit records the audit entries promotions write.
type fakeAudit struct {
	mu      sync.Mutex
	entries []ledger.AuditEntry
}

func (a *fakeAudit) RecordAudit(_ context.Context, e ledger.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, old := range a.entries {
		if e.Key != "" && old.Key == e.Key {
			return nil
		}
	}
	a.entries = append(a.entries, e)
	return nil
}

func refusedEvents(s PromotionState) []string {
	var out []string
	for _, e := range s.Events {
		if e.Type == EventDecisionRefused {
			out = append(out, e.Message)
		}
	}
	return out
}

// TestPromotionValidatorRefusesUnauthenticatedDecisions sends, while prod
// waits for alice, one decision of each kind the API did not sign (or that
// is not this promotion's), then a valid one: only the valid one counts,
// each other is refused with its reason, shown as an event and audited.
func TestPromotionValidatorRefusesUnauthenticatedDecisions(t *testing.T) {
	other := newTestSigner(9)
	valid := func(pe *promotionEnv) Decision {
		return SignDecision(apiSigner.Signer, pe.id, "req-valid", promotionStart, approve("prod", "alice"))
	}
	cases := []struct {
		name   string
		forge  func(pe *promotionEnv) Decision
		reason string
	}{
		{"unsigned", func(*promotionEnv) Decision {
			return Decision{Environment: "prod", Approve: true, Actor: "mallory", Groups: []string{"release"}, Channel: "api"}
		}, "unauthenticated: unsigned"},
		{"bad signature", func(pe *promotionEnv) Decision {
			d := valid(pe)
			d.Actor = "mallory" // a signed decision whose author was changed
			return d
		}, "unauthenticated: bad signature"},
		{"another key", func(pe *promotionEnv) Decision {
			return SignDecision(other.Signer, pe.id, "req-x", promotionStart, approve("prod", "alice"))
		}, "unauthenticated: unknown key"},
		{"wrong environment", func(pe *promotionEnv) Decision {
			d := SignDecision(apiSigner.Signer, pe.id, "req-x", promotionStart, approve("staging", "alice"))
			d.Environment = "prod"
			return d
		}, "unauthenticated: bad signature"},
		{"wrong promotion", func(*promotionEnv) Decision {
			return SignDecision(apiSigner.Signer, contracts.PromotionID("demo", "0.9.0"), "req-x", promotionStart, approve("prod", "alice"))
		}, "unauthenticated: signed for promotion promote/demo/0.9.0, not this one"},
		{"channel not signed by the API", func(pe *promotionEnv) Decision {
			d := approve("prod", "alice")
			d.Channel = "temporal-web"
			return SignDecision(apiSigner.Signer, pe.id, "req-x", promotionStart, d)
		}, `unauthenticated: channel "temporal-web" is not one the API signs`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pe := newPromotionEnv(t, nil)
			in := promotionInput(environment("prod", withApproval(1, "alice", "group:release")))
			pe.id = contracts.PromotionID(in.Project, in.Version)
			forged := pe.updateAsIs(time.Hour, DecideUpdate, tc.forge(pe), false)
			waiting := pe.queryAt(t, 90*time.Minute)
			ok := pe.updateAsIs(2*time.Hour, DecideUpdate, valid(pe), false)
			state, err := pe.run(t, in)
			require.NoError(t, err)

			require.True(t, forged.done)
			require.ErrorContains(t, forged.err, tc.reason)
			kind, refused := IsDecisionRefused(forged.err)
			require.True(t, refused)
			require.Equal(t, ErrTypeUnauthenticated, kind)
			require.Equal(t, EnvAwaitingApproval, waiting.Environments[0].State, "the forged decision did not count")
			require.Empty(t, waiting.Environments[0].Gates[0].Decisions)

			require.NoError(t, ok.err)
			require.Equal(t, EnvDeployed, state.Environments[0].State)
			decisions := state.Environments[0].Gates[0].Decisions
			require.Len(t, decisions, 1)
			require.Equal(t, "alice", decisions[0].Actor)
			require.Equal(t, "api", decisions[0].Channel)
			require.Equal(t, "req-valid", decisions[0].RequestID)
			require.Equal(t, apiSigner.PublicKey().ID, decisions[0].KeyID)

			events := refusedEvents(state)
			require.Len(t, events, 1)
			require.Contains(t, events[0], tc.reason)
			require.Len(t, pe.audit.entries, 1)
			e := pe.audit.entries[0]
			require.Equal(t, AuditChannelTemporal, e.Channel)
			require.Equal(t, ledger.AuditRefused, e.Outcome)
			require.Equal(t, "approve", e.Action)
			require.Equal(t, "demo", e.Project)
			require.Contains(t, e.Reason, tc.reason)
			require.Len(t, pe.ledger.decisions, 1, "only the valid decision reached the ledger")
		})
	}
}

// TestPromotionRefusesReplayedNonce replays a decision the API signed (as
// one read from the promotion's history would be) under another update id.
func TestPromotionRefusesReplayedNonce(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	in := promotionInput(environment("prod", withApproval(2, "alice", "bob")))
	pe.id = contracts.PromotionID(in.Project, in.Version)
	d := SignDecision(apiSigner.Signer, pe.id, "req-1", promotionStart, approve("prod", "alice"))
	first := pe.updateAsIs(time.Hour, DecideUpdate, d, false)
	replayed := pe.updateAsIs(2*time.Hour, DecideUpdate, d, false)
	replayedSignal := Decision(d)
	pe.signalAsIs(3*time.Hour, DecideUpdate, replayedSignal)
	pe.update(4*time.Hour, DecideUpdate, approve("prod", "bob"))
	state, err := pe.run(t, in)
	require.NoError(t, err)

	require.NoError(t, first.err)
	require.True(t, replayed.done)
	require.ErrorContains(t, replayed.err, "unauthenticated: replayed: request req-1 was used already")
	require.Equal(t, EnvDeployed, state.Environments[0].State)
	require.Len(t, state.Environments[0].Gates[0].Decisions, 2)
	// The validator rejects a replayed update outright (it copies a decision
	// that counted, maybe the caller's own retry); the replayed signal is
	// recorded as an attempt.
	events := refusedEvents(state)
	require.Len(t, events, 1)
	require.Contains(t, events[0], "signal")
	require.Len(t, pe.audit.entries, 1)
}

// TestPromotionForgedSignalDoesNotCount is the Temporal Web attack: a decide
// signal naming a user that does not exist, in the release group.
func TestPromotionForgedSignalDoesNotCount(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.signalAsIs(time.Hour, DecideUpdate, Decision{Environment: "prod", Approve: true, Actor: "mallory",
		Groups: []string{"release"}, Channel: "api"})
	state, err := pe.run(t, promotionInput(environment("prod", withApproval(1, "group:release"))))
	require.NoError(t, err)
	require.Equal(t, EnvExpired, state.Environments[0].State, "nobody authenticated approved prod")
	require.Empty(t, state.Environments[0].Gates[0].Decisions)
	events := refusedEvents(state)
	require.Len(t, events, 1)
	require.Contains(t, events[0], "mallory")
	require.Contains(t, events[0], "signal")
	require.Len(t, pe.audit.entries, 1)
	require.Equal(t, "mallory", pe.audit.entries[0].Actor)
	require.Equal(t, "temporal", pe.audit.entries[0].Channel)
	require.Empty(t, pe.ledger.decisions)
}

// TestPromotionOperatorOverride: with the override on, an unsigned decision
// counts and says everywhere that it came through the override; a badly
// signed one still does not.
func TestPromotionOperatorOverride(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	in := promotionInput(environment("prod", withApproval(1, "alice")))
	in.OperatorDecisions = true
	pe.id = contracts.PromotionID(in.Project, in.Version)
	bad := SignDecision(apiSigner.Signer, pe.id, "req-1", promotionStart, approve("prod", "alice"))
	bad.Comment = "changed"
	badOut := pe.updateAsIs(time.Hour, DecideUpdate, bad, false)
	pe.signalAsIs(2*time.Hour, DecideUpdate, Decision{Environment: "prod", Approve: true, Actor: "alice"})
	state, err := pe.run(t, in)
	require.NoError(t, err)
	require.ErrorContains(t, badOut.err, "bad signature")
	require.Equal(t, EnvDeployed, state.Environments[0].State)
	decisions := state.Environments[0].Gates[0].Decisions
	require.Len(t, decisions, 1)
	require.Equal(t, ChannelTemporalOperator, decisions[0].Channel)
	require.Equal(t, ChannelTemporalOperator, pe.ledger.decisions[0].Channel)
	var approved string
	for _, e := range state.Events {
		if e.Type == EventApproved {
			approved = e.Message
		}
	}
	require.Contains(t, approved, "temporal-operator override")
}

// TestPromotionOperatorOverrideCountsOncePerGate: one sender reaching
// Temporal cannot make up the approvers a gate requires: since
// promotion-changes version 3 an override approval counts once per gate, and
// only for an approver named in person (the groups it claims do not count).
// A promotion recorded before counts them as it did.
func TestPromotionOperatorOverrideCountsOncePerGate(t *testing.T) {
	for _, version := range []workflow.Version{2, promotionChangesVersion} {
		pe := newPromotionEnv(t, nil)
		pe.env.OnGetVersion(promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion).Return(version)
		in := promotionInput(environment("prod", withApproval(2, "alice", "bob", "group:release")))
		in.OperatorDecisions = true
		pe.id = contracts.PromotionID(in.Project, in.Version)
		byGroup := pe.updateAsIs(time.Hour, DecideUpdate, Decision{Environment: "prod", Approve: true, Actor: "op1", Groups: []string{"release"}}, false)
		asGroup := pe.updateAsIs(90*time.Minute, DecideUpdate,
			Decision{Environment: "prod", Approve: true, Actor: "group:release", Groups: []string{"release"}}, false)
		first := pe.updateAsIs(2*time.Hour, DecideUpdate, Decision{Environment: "prod", Approve: true, Actor: "alice"}, false)
		second := pe.updateAsIs(3*time.Hour, DecideUpdate, Decision{Environment: "prod", Approve: true, Actor: "bob"}, false)
		state, err := pe.run(t, in)
		require.NoError(t, err)
		if version == 2 {
			require.NoError(t, byGroup.err)
			require.NoError(t, asGroup.err)
			require.Equal(t, EnvDeployed, state.Environments[0].State, "two made-up approvals were enough")
			continue
		}
		require.ErrorContains(t, byGroup.err, "not an approver: a temporal-operator override counts only for an approver named in person")
		require.ErrorContains(t, asGroup.err, "not an approver: a temporal-operator override counts only for an approver named in person",
			"an actor named as the group entry is no person")
		require.NoError(t, first.err)
		require.ErrorContains(t, second.err, "already decided: a temporal-operator override counts once per gate (alice approved through it)")
		require.Equal(t, EnvExpired, state.Environments[0].State, "one override approval of two required")
	}
}

// TestPromotionRefusesADecisionSignedBeforeItsRun: a signed decision copied
// from an earlier run of the same promotion ID (a rollback started again
// with its request id once retention removed the first run) does not count
// in this run, since promotion-changes version 3; its nonce is not among
// this run's. Within a few minutes of the start (clocks differ) it does.
func TestPromotionRefusesADecisionSignedBeforeItsRun(t *testing.T) {
	for _, version := range []workflow.Version{2, promotionChangesVersion} {
		pe := newPromotionEnv(t, nil)
		pe.env.OnGetVersion(promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion).Return(version)
		in := promotionInput(environment("prod", withApproval(2, "alice", "bob")))
		pe.id = contracts.PromotionID(in.Project, in.Version)
		old := pe.updateAsIs(time.Hour, DecideUpdate,
			SignDecision(apiSigner.Signer, pe.id, "req-old", promotionStart.Add(-30*24*time.Hour), approve("prod", "alice")), false)
		skewed := pe.updateAsIs(2*time.Hour, DecideUpdate,
			SignDecision(apiSigner.Signer, pe.id, "req-skewed", promotionStart.Add(-time.Minute), approve("prod", "bob")), false)
		_, err := pe.run(t, in)
		require.NoError(t, err)
		require.NoError(t, skewed.err, "version %d", version)
		if version == 2 {
			require.NoError(t, old.err)
			continue
		}
		require.ErrorContains(t, old.err, "unauthenticated: signed at 2024-12-07T10:00:00Z, before this run started")
	}
}

// TestPromotionForgeriesAreRecordedUpToALimit: a flood of forged updates
// cannot grow the history without bound; past the limit the validator
// rejects them without a trace.
func TestPromotionForgeriesAreRecordedUpToALimit(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	var outs []*updateOutcome
	for i := range maxRecordedForgeries + 3 {
		outs = append(outs, pe.updateAsIs(time.Duration(i+1)*time.Minute, DecideUpdate,
			Decision{Environment: "prod", Approve: true, Actor: "mallory"}, false))
	}
	state, err := pe.run(t, promotionInput(environment("prod", withApproval(1, "alice"))))
	require.NoError(t, err)
	require.Equal(t, EnvExpired, state.Environments[0].State)
	for _, o := range outs {
		require.True(t, o.done)
		require.ErrorContains(t, o.err, "unauthenticated")
	}
	require.Len(t, refusedEvents(state), maxRecordedForgeries)
	require.Len(t, pe.audit.entries, maxRecordedForgeries)
}

// TestPromotionSkipBakeNeedsSignature: an unsigned skip-bake does not end the bake.
func TestPromotionSkipBakeNeedsSignature(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	forged := pe.updateAsIs(10*time.Minute, SkipBakeUpdate, SkipBake{Environment: "prod", Actor: "mallory", Reason: "now"}, false)
	state, err := pe.run(t, promotionInput(environment("prod", withVerify(bakeCheck(time.Hour)))))
	require.NoError(t, err)
	require.ErrorContains(t, forged.err, "unauthenticated: unsigned")
	require.Equal(t, EnvDeployed, state.Environments[0].State)
	for _, e := range state.Events {
		require.NotEqual(t, EventBakeSkipped, e.Type)
	}
	require.Len(t, pe.audit.entries, 1)
	require.Equal(t, "skip-bake", pe.audit.entries[0].Action)
	require.True(t, strings.HasPrefix(pe.audit.entries[0].Target, pe.id))
}
