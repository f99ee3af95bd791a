package api

import (
	"context"
	"errors"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

func promotionInput() workflows.PromotionInput {
	return workflows.PromotionInput{Project: "demo", Version: "1.0", Commit: testSHA, TriggeredBy: "alice",
		Environments: []pipeline.Environment{{Name: "dev"}, {Name: "prod", Approval: &pipeline.Approval{Approvers: []string{"group:release"}}}}}
}

func TestTemporalPromotionsStart(t *testing.T) {
	fc := newFakePromotionClient()
	p := &TemporalPromotions{Client: fc}
	ctx := t.Context()

	id, runID, existing, err := p.Start(ctx, promotionInput())
	require.NoError(t, err)
	require.Equal(t, "promote/demo/1.0", id)
	require.Equal(t, "run-1", runID)
	require.False(t, existing)
	o := fc.starts[0]
	require.Equal(t, workflows.TaskQueue, o.TaskQueue)
	require.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, o.WorkflowIDConflictPolicy)
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, o.WorkflowIDReusePolicy)
	require.Equal(t, "Promote demo 1.0", o.StaticSummary)
	require.Contains(t, o.StaticDetails, "1. dev\n2. prod (approval: group:release)\n")
	for key, want := range map[string]string{workflows.SearchAttrProject: "demo", workflows.SearchAttrVersion: "1.0",
		workflows.SearchAttrStatus: "running"} {
		got, ok := o.TypedSearchAttributes.GetKeyword(temporal.NewSearchAttributeKeyKeyword(key))
		require.True(t, ok, key)
		require.Equal(t, want, got, key)
	}

	// Running or finished, the same promotion comes back.
	_, runID, existing, err = p.Start(ctx, promotionInput())
	require.NoError(t, err)
	require.True(t, existing)
	require.Equal(t, "run-1", runID)
	fc.execs[id].status = enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	_, runID, existing, err = p.Start(ctx, promotionInput())
	require.NoError(t, err)
	require.True(t, existing)
	require.Equal(t, "run-1", runID)
	require.Len(t, fc.inputs, 1)
}

func TestTemporalPromotionsState(t *testing.T) {
	live := workflows.PromotionState{Project: "demo", Version: "1.0", Status: workflows.PromotionRunning, Current: "prod",
		Environments: []workflows.EnvironmentState{{Name: "prod", State: workflows.EnvAwaitingApproval}}}
	stopped := live
	stopped.Status = workflows.PromotionStopped
	cancelled := live
	cancelled.Status = workflows.PromotionCancelled
	attrs := map[string]string{workflows.SearchAttrProject: "demo", workflows.SearchAttrVersion: "1.0", workflows.SearchAttrEnvironment: "prod"}
	closed := p0.Add(time.Hour)
	tests := []struct {
		name     string
		exec     promoExecution
		status   string
		envs     int
		finished bool
	}{
		{"running, queried", promoExecution{status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, query: &live}, "running", 1, false},
		{"running, no worker", promoExecution{status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, attrs: attrs}, "running", 0, false},
		{"stopped (rejected)", promoExecution{status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, result: &stopped, closedAt: closed},
			"stopped", 1, true},
		{"cancelled with details", promoExecution{status: enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, closedAt: closed,
			err: overTheWire(temporal.NewCanceledError(cancelled))}, "cancelled", 1, true},
		{"terminated", promoExecution{status: enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, closedAt: closed, query: &live},
			"stopped", 1, true},
		{"failed without details", promoExecution{status: enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, closedAt: closed, attrs: attrs,
			err: overTheWire(errors.New("panic"))}, "stopped", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := tt.exec
			ex.runID = "r1"
			fc := newFakePromotionClient()
			fc.execs["promote/demo/1.0"] = &ex
			st, err := (&TemporalPromotions{Client: fc}).State(t.Context(), "promote/demo/1.0", "")
			require.NoError(t, err)
			require.Equal(t, "promote/demo/1.0", st.ID)
			require.Equal(t, "r1", st.RunID)
			require.Equal(t, tt.status, string(st.Status))
			require.Equal(t, "demo", st.Project)
			require.Equal(t, "1.0", st.Version)
			require.Equal(t, "prod", st.Current)
			require.Len(t, st.Environments, tt.envs)
			require.Equal(t, tt.finished, st.FinishedAt != nil)
		})
	}
	_, err := (&TemporalPromotions{Client: newFakePromotionClient()}).State(t.Context(), "promote/demo/2", "")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestTemporalPromotionsDecide(t *testing.T) {
	d := workflows.Decision{Environment: "prod", Approve: true, Actor: "alice", Groups: []string{"release"}, Channel: "cli"}
	tests := []struct {
		name      string
		updateErr error
		outcome   error
		exists    bool
		wantKind  string // a *RefusedError of this kind
		forbidden bool
		reason    string
		wantErr   error
	}{
		{name: "accepted", exists: true},
		{name: "not an approver", exists: true, outcome: overTheWire(temporal.NewApplicationError(
			"not an approver: bob is not in [group:release]", "NotApprover")), wantKind: RefusedNotApprover, forbidden: true,
			reason: "not an approver: bob is not in [group:release]"},
		{name: "self-approval", exists: true, outcome: overTheWire(temporal.NewApplicationError(
			"self-approval: alice triggered this version", "SelfApproval")), wantKind: RefusedSelfApproval, forbidden: true,
			reason: "self-approval: alice triggered this version"},
		{name: "already decided", exists: true, outcome: overTheWire(temporal.NewApplicationError(
			"already decided: alice already approved", "AlreadyDecided")), wantKind: RefusedAlreadyDecided,
			reason: "already decided: alice already approved"},
		{name: "not pending", exists: true, outcome: overTheWire(temporal.NewApplicationError(
			"not pending: environment dev has no pending approval", "NotPending")), wantKind: RefusedNotPending,
			reason: "not pending: environment dev has no pending approval"},
		{name: "superseded", exists: true, outcome: overTheWire(temporal.NewApplicationError(
			"superseded: 1.1 replaced it", "Superseded")), wantKind: RefusedSuperseded, reason: "superseded: 1.1 replaced it"},
		{name: "generic refusal read by its words", exists: true, outcome: overTheWire(temporal.NewApplicationError(
			"self-approval: alice triggered this version", "DecisionRefused")), wantKind: RefusedSelfApproval, forbidden: true,
			reason: "self-approval: alice triggered this version"},
		{name: "finished", exists: true, updateErr: serviceerror.NewNotFound("workflow execution already completed"),
			wantErr: ErrPromotionFinished},
		{name: "unknown", updateErr: serviceerror.NewNotFound("workflow not found"), wantErr: ErrNotFound},
		{name: "other application error", exists: true, outcome: overTheWire(temporal.NewApplicationError("boom", "Panic"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakePromotionClient()
			if tt.exists {
				fc.execs["promote/demo/1.0"] = &promoExecution{runID: "r1", status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}
			}
			fc.updateErr, fc.outcome = tt.updateErr, tt.outcome
			fc.updateResult = workflows.DecisionResult{Environment: "prod", State: workflows.GateApproved, Approvals: 1, Required: 1}
			res, err := (&TemporalPromotions{Client: fc}).Decide(t.Context(), "promote/demo/1.0", d)
			require.Equal(t, []client.UpdateWorkflowOptions{{WorkflowID: "promote/demo/1.0", UpdateName: workflows.DecideUpdate,
				Args: []any{d}, WaitForStage: client.WorkflowUpdateStageCompleted}}, fc.updates)
			switch {
			case tt.wantKind != "":
				var refused *RefusedError
				require.ErrorAs(t, err, &refused)
				require.Equal(t, tt.wantKind, refused.Kind)
				require.Equal(t, tt.forbidden, refused.Forbidden())
				require.Equal(t, tt.reason, refused.Reason)
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
			case tt.outcome != nil:
				var refused *RefusedError
				require.Error(t, err)
				require.False(t, errors.As(err, &refused), "not a refusal: %v", err)
			default:
				require.NoError(t, err)
				require.Equal(t, fc.updateResult, res)
			}
		})
	}
}

func TestTemporalPromotionsUpdateWithoutWorker(t *testing.T) {
	fc := newFakePromotionClient()
	fc.blockUpdates = true
	p := &TemporalPromotions{Client: fc, UpdateTimeout: time.Millisecond}
	err := p.SkipBake(t.Context(), "promote/demo/1.0", workflows.SkipBake{Environment: "prod", Actor: "alice", Reason: "x"})
	require.ErrorIs(t, err, ErrNoAnswer)
	require.Equal(t, workflows.SkipBakeUpdate, fc.updates[0].UpdateName)

	// A caller that gives up is not told the promotion did not answer.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = p.SkipBake(ctx, "promote/demo/1.0", workflows.SkipBake{Environment: "prod"})
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrNoAnswer)
}

func TestTemporalPromotionsCancel(t *testing.T) {
	fc := newFakePromotionClient()
	fc.execs["promote/demo/run"] = &promoExecution{runID: "r1", status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}
	fc.execs["promote/demo/done"] = &promoExecution{runID: "r1", status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED}
	p := &TemporalPromotions{Client: fc}
	require.NoError(t, p.Cancel(t.Context(), "promote/demo/run"))
	require.ErrorIs(t, p.Cancel(t.Context(), "promote/demo/done"), ErrPromotionFinished)
	require.ErrorIs(t, p.Cancel(t.Context(), "promote/demo/nope"), ErrNotFound)
	require.Equal(t, []string{"promote/demo/run"}, fc.canceled)
}
