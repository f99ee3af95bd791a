package starter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// samplePromotion has dev deployed and prod waiting for a second approval.
func samplePromotion(status contracts.PromotionStatus) contracts.PromotionState {
	return contracts.PromotionState{ID: "promote/demo/1.0", Project: "demo", Version: "1.0", Status: status, StartedAt: t0,
		Environments: []contracts.EnvironmentState{
			{Name: "dev", State: contracts.EnvDeployed, Deploy: &contracts.StepState{Kind: "deploy", State: contracts.StepSucceeded,
				StartedAt: at(time.Second), FinishedAt: at(13 * time.Second), Detail: "v1 live"}},
			{Name: "prod", State: contracts.EnvAwaitingApproval, Gates: []contracts.GateState{{Kind: "approval",
				State: contracts.GatePending, WaitingSince: at(20 * time.Second), Deadline: at(72 * time.Hour), Required: 2,
				Approvers: []string{"group:release"}, Decisions: []contracts.DecisionInfo{{Actor: "bob", Approve: true}}}}},
		}}
}

func TestRenderPromotion(t *testing.T) {
	st := samplePromotion(contracts.PromotionRunning)
	st.Environments = append(st.Environments, contracts.EnvironmentState{Name: "staging", State: contracts.EnvVerifying,
		Deploy: &contracts.StepState{Kind: "deploy", State: contracts.StepSucceeded, StartedAt: at(0), FinishedAt: at(5 * time.Second)},
		Verify: []contracts.StepState{
			{Kind: "http", State: contracts.StepFailed, StartedAt: at(0), FinishedAt: at(15 * time.Second), Error: "got 503, want 200"},
			{Kind: "bake", State: contracts.StepRunning, StartedAt: at(0), Deadline: at(10 * time.Minute)},
		},
		Rollback: &contracts.StepState{Kind: "deploy", State: contracts.StepRunning, StartedAt: at(time.Minute)}})
	want := "promote/demo/1.0  demo 1.0  running  2m00s\n" +
		"ENVIRONMENT  STEP      STATE              DETAIL\n" +
		"dev          -         deployed           \n" +
		"             deploy    succeeded          12s, v1 live\n" +
		"prod         -         awaiting-approval  \n" +
		"             approval  pending            1/2 approvals (bob), 71h58m left\n" +
		"staging      -         verifying          \n" +
		"             deploy    succeeded          5.0s\n" +
		"             http      failed             15s, got 503, want 200\n" +
		"             bake      running            8m00s left\n" +
		"             rollback  running            1m00s\n"
	require.Equal(t, want, RenderPromotion(st, t0.Add(2*time.Minute)))
}

func TestPromotionChangesIgnoreTheClock(t *testing.T) {
	st := samplePromotion(contracts.PromotionRunning)
	// Time passes, nothing happens: nothing to print.
	require.Empty(t, PromotionChanges(&st, st, t0.Add(time.Hour)))
	next := samplePromotion(contracts.PromotionRunning)
	next.Environments[1].Gates[0].Decisions = nil
	require.Equal(t, []string{"prod/approval pending (0/2 approvals, 71h00m left)"}, PromotionChanges(&st, next, t0.Add(time.Hour)))
}

func TestRenderPromotionProtection(t *testing.T) {
	st := samplePromotion(contracts.PromotionRunning)
	st.Environments[1].Rules = []pipeline.RuleSource{
		{Rule: "approvers", Origin: pipeline.OriginRegistration, Value: "group:release"},
		{Rule: "required", Origin: pipeline.OriginDefinition, Value: "2"},
	}
	out := RenderPromotion(st, t0.Add(2*time.Minute))
	require.Contains(t, out, "prod protection: approvers group:release (registration); required 2 (drover.yaml)\n")
	require.NotContains(t, out, "dev protection")
}

// A promotion that stopped does not show the environments it never reached
// as pending: they will never be deployed by it.
func TestRenderStoppedPromotionSaysWhatItNeverReached(t *testing.T) {
	st := samplePromotion(contracts.PromotionStopped)
	st.Environments[1].State = contracts.EnvRejected
	st.Environments = append(st.Environments, contracts.EnvironmentState{Name: "edge", State: contracts.EnvPending})
	out := RenderPromotion(st, t0.Add(time.Minute))
	require.Contains(t, out, "edge         -         not-reached  the promotion ended stopped before it\n")
}
