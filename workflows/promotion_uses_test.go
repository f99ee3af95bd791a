package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

// TestPromotionRunsTheGatesOfItsPromotionTypes: environments that use the
// promotion types of drover.yaml get their gates: integ runs the
// status-check's http check before its own bake, prod waits for the
// manual type's approval.
func TestPromotionRunsTheGatesOfItsPromotionTypes(t *testing.T) {
	def, err := pipeline.Parse("drover.yaml", []byte(`project: demo
build:
  stages:
    - name: build
      tasks: [{name: compile, run: make}]
promotion:
  types:
    manual:
      approval: {approvers: ["group:release"], required: 1}
    status-check:
      verify:
        - http: {url: "https://foas.example.com/healhcheck", within: 15s}
  environments:
    - name: integ
      uses: [status-check]
      deploy: {shell: ./deploy.sh integ}
      verify:
        - bake: 1m
    - name: prod
      uses: [manual, status-check]
      deploy: {shell: ./deploy.sh prod}
`))
	require.NoError(t, err)
	pe := newPromotionEnv(t, nil)
	waiting := pe.queryAt(t, time.Hour)
	decided := pe.update(2*time.Hour, DecideUpdate, approve("prod", "bob", "release"))
	state, err := pe.run(t, promotionInput(def.Promotion.Environments...))
	require.NoError(t, err)

	require.Equal(t, EnvAwaitingApproval, waiting.Environments[1].State, "prod waits for the manual type's approval")
	require.NoError(t, decided.err)
	require.Equal(t, GateApproved, decided.result.(DecisionResult).State)

	require.Equal(t, PromotionCompleted, state.Status)
	integ := state.Environments[0].Verify
	require.Len(t, integ, 2)
	require.Equal(t, pipeline.VerifyHTTP, integ[0].Kind, "the type's check runs first")
	require.Equal(t, "status-check", integ[0].From)
	require.Equal(t, StepSucceeded, integ[0].State)
	require.Equal(t, pipeline.VerifyBake, integ[1].Kind)
	require.Empty(t, integ[1].From)
	prod := state.Environments[1]
	require.Equal(t, EnvDeployed, prod.State)
	require.Equal(t, GateApproved, prod.Gates[0].State)
	require.Equal(t, "manual", prod.Gates[0].From, "the gate says which type it came from")
	require.Equal(t, "status-check", prod.Verify[0].From)
	require.False(t, prod.Deploy.StartedAt.Before(promotionStart.Add(2*time.Hour)), "no deploy before the approval")
}
