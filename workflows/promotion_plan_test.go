package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

// TestPromotionRunsItsPlan: a promotion decides from the plan it was
// started with, not from the environments beside it nor from the worker's
// time zone database: the window's zone is one the worker does not know,
// given as the offsets the API compiled.
func TestPromotionRunsItsPlan(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	in := promotionInput(environment("dev"), environment("prod"))
	// 09:00–17:00 at UTC+02:00 every day: the promotion starts at 10:00 UTC
	// (12:00 there), inside; the environments as written would wait for
	// approval in prod and know no such zone.
	in.Environments[1].Approval = &pipeline.Approval{Approvers: []string{"alice"}}
	in.Plan = &pipeline.PromotionPlan{Environments: []pipeline.PlanEnvironment{
		{Name: "dev", Deploy: pipeline.Deploy{Shell: "./deploy.sh dev"}, Rollback: pipeline.RollbackAuto, Policy: pipeline.PolicyFIFO},
		{Name: "prod", Deploy: pipeline.Deploy{Shell: "./deploy.sh prod"}, Rollback: pipeline.RollbackAuto, Policy: pipeline.PolicyFIFO,
			Window: &pipeline.PlanWindow{Start: "09:00", End: "17:00", Timezone: "Mars/Olympus",
				Zone: []pipeline.ZoneSpan{{Offset: 2 * 3600}}}},
	}}
	state, err := pe.run(t, in)
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)
	prod := state.Environments[1]
	require.Equal(t, EnvDeployed, prod.State)
	require.Len(t, prod.Gates, 1, "the plan's gates only")
	require.Equal(t, GateWindow, prod.Gates[0].Kind)
	require.Equal(t, GatePassed, prod.Gates[0].State)
	require.Equal(t, "every day 09:00-17:00 Mars/Olympus", prod.Gates[0].Detail)
}

// TestPromotionWithoutPlanCompilesAtStart: a promotion started before plans
// (its input holds only the environments) runs them as a plan compiled
// when it started, with the same defaults.
func TestPromotionWithoutPlanCompilesAtStart(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	in := promotionInput(environment("dev"), environment("prod", withApproval(0, "alice")))
	in.Environments[1].Window = &pipeline.Window{Start: "11:00", End: "12:00", Timezone: "Europe/Berlin"}
	pe.update(2*time.Hour, DecideUpdate, approve("prod", "alice"))
	state, err := pe.run(t, in)
	require.NoError(t, err)
	prod := state.Environments[1]
	require.Equal(t, EnvDeployed, prod.State)
	require.Equal(t, 1, prod.Gates[1].Required, "required 0 means 1")
	// 10:00 UTC is 11:00 in Berlin in January: the window is open.
	require.Equal(t, GatePassed, prod.Gates[0].State)
	require.Equal(t, promotionStart.Add(DefaultApprovalTimeout), prod.Gates[1].Deadline.UTC())
}
