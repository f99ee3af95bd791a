package workflows

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// PutPendingApproval plays the ledger activity of that name.
func (l *fakePromotionLedger) PutPendingApproval(_ context.Context, p ledger.PendingApproval) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		l.pending = map[string]ledger.PendingApproval{}
	}
	l.pending[p.Environment] = p
	l.approvals = append(l.approvals, fmt.Sprintf("put %s approved_by=%v", p.Environment, p.ApprovedBy))
	return nil
}

// DeletePendingApproval plays the ledger activity of that name.
func (l *fakePromotionLedger) DeletePendingApproval(_ context.Context, in contracts.DeletePendingApprovalInput) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pending, in.Environment)
	l.approvals = append(l.approvals, "delete "+in.Environment)
	return nil
}

func TestPromotionWritesPendingApprovalToTheLedger(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	var first []ledger.PendingApproval
	pe.env.RegisterDelayedCallback(func() {
		pe.ledger.mu.Lock()
		defer pe.ledger.mu.Unlock()
		for _, p := range pe.ledger.pending {
			first = append(first, p)
		}
	}, 30*time.Minute)
	pe.update(time.Hour, DecideUpdate, approve("prod", "bob", "release"))
	pe.update(2*time.Hour, DecideUpdate, approve("prod", "carol", "release"))
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod", withApproval(2, "alice", "group:release"))))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)

	require.Equal(t, []string{"put prod approved_by=[]", "put prod approved_by=[bob]", "delete prod"}, pe.ledger.approvals,
		"put when the gate starts and after each approval, deleted when it ends")
	require.Empty(t, pe.ledger.pending)
	require.Len(t, first, 1)
	require.NotEmpty(t, first[0].RunID)
	first[0].RunID = ""
	require.Equal(t, ledger.PendingApproval{
		PromotionID: state.ID, Project: "demo", Version: "1.2.0", Commit: "0123456789abcdef", Branch: "main",
		TriggeredBy: "dave", Environment: "prod", Approvers: []string{"alice", "group:release"}, Required: 2,
		WaitingSince: promotionStart, Deadline: promotionStart.Add(DefaultApprovalTimeout),
		Earlier:   []ledger.EnvironmentResult{{Environment: "dev", State: EnvDeployed}},
		UpdatedAt: promotionStart,
	}, first[0])
}

func TestPromotionDeletesPendingApprovalWhenTheGateEnds(t *testing.T) {
	supersede := func(e *pipeline.Environment) { e.Policy = pipeline.PolicySupersede }
	cases := []struct {
		name   string
		act    func(pe *promotionEnv)
		result string
	}{
		{"approved", func(pe *promotionEnv) { pe.update(time.Hour, DecideUpdate, approve("prod", "alice")) }, EnvDeployed},
		{"rejected", func(pe *promotionEnv) { pe.update(time.Hour, DecideUpdate, reject("prod", "alice", "no")) }, EnvRejected},
		{"expired", func(*promotionEnv) {}, EnvExpired},
		{"cancelled", func(pe *promotionEnv) { pe.env.RegisterDelayedCallback(pe.env.CancelWorkflow, time.Hour) }, EnvCancelled},
		{"superseded", func(pe *promotionEnv) {
			pe.signal(time.Hour, contracts.SignalSuperseded, contracts.Superseded{Environment: "prod", By: "1.3.0"})
		}, EnvSuperseded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pe := newPromotionEnv(t, nil)
			tc.act(pe)
			timeout := func(e *pipeline.Environment) { e.Approval.Timeout = pipeline.Duration(3 * time.Hour) }
			state, _ := pe.run(t, promotionInput(environment("prod", withApproval(1, "alice"), timeout, supersede)))
			require.Equal(t, tc.result, state.Environments[0].State)
			require.Equal(t, []string{"put prod approved_by=[]", "delete prod"}, pe.ledger.approvals)
			require.Empty(t, pe.ledger.pending)
		})
	}
}

func TestPromotionMovesPendingApprovalBetweenEnvironments(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.update(time.Hour, DecideUpdate, approve("staging", "alice"))
	pe.update(2*time.Hour, DecideUpdate, approve("prod", "bob"))
	state, err := pe.run(t, promotionInput(environment("staging", withApproval(1, "alice")),
		environment("prod", withApproval(1, "bob"))))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)
	require.Equal(t, []string{"put staging approved_by=[]", "delete staging", "put prod approved_by=[]", "delete prod"},
		pe.ledger.approvals)
	require.Empty(t, pe.ledger.pending)
}

func TestPromotionWithoutApprovalWritesNoPendingApproval(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod")))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)
	require.Empty(t, pe.ledger.approvals)
}

func TestPromotionRecordedBeforeApprovalsLedgerReplaysWithoutIt(t *testing.T) {
	for _, changeID := range []string{approvalsLedgerChangeID, approversChangeID} {
		t.Run(changeID, func(t *testing.T) {
			pe := newPromotionEnv(t, nil)
			rec := pe.recordApprovals()
			// A run recorded before promotion-changes asks for each change.
			pe.env.OnGetVersion(promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion).Return(workflow.DefaultVersion)
			pe.env.OnGetVersion(changeID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			pe.update(time.Hour, DecideUpdate, approve("prod", "alice"))
			state, err := pe.run(t, promotionInput(environment("prod", withApproval(1, "alice"))))
			require.NoError(t, err)
			require.Equal(t, EnvDeployed, state.Environments[0].State)
			require.Empty(t, pe.ledger.approvals, "an old run keeps its command sequence")
			if changeID == approvalsLedgerChangeID {
				require.Equal(t, []string{"0s prod approved_by=[]", "1h0m0s cleared"}, rec.memos,
					"the memo is still shown")
			}
		})
	}
}
