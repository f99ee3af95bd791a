package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

// TestBuildWithInputsShowsThemAndRegistersItsOwnVersion: a build given
// other inputs than the defaults registers a version of its own, so that
// it and the commit's build with the defaults can both be promoted.
func TestBuildWithInputsShowsThemAndRegistersItsOwnVersion(t *testing.T) {
	be := newBuildEnv(t, nil)
	plan := testPlan(stage("verify", false, task("unit", 0)))
	plan.Inputs = []pipeline.EnvVar{{Name: "target", Value: "canary"}}
	plan.InputsKey = "0a1b2c3d4e5f"
	state, err := be.run(t, plan)
	require.NoError(t, err)
	require.Equal(t, plan.Inputs, state.Inputs)
	require.Equal(t, "0123456789ab-0a1b2c3d4e5f", state.Version)
	require.Equal(t, "0123456789ab-0a1b2c3d4e5f", be.ledger.finished[0].Version.Version)
}
