package workflows

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// TestBuildTakesItsChangesVersionFromItsInput: a build started with
// BuildInput.Changes (as the API starts every build) asks Temporal for no
// version (no marker, no search-attribute upsert) and starts its downstream
// builds without asking either; one started without it asks, as before;
// one whose version is newer than the worker's fails its workflow task
// instead of running older behaviour.
func TestBuildTakesItsChangesVersionFromItsInput(t *testing.T) {
	plan := testPlan(stage("verify", false, task("unit", 0)))
	for _, tt := range []struct {
		name    string
		changes int
		asked   []string
	}{
		{"from the input", BuildChanges, nil},
		{"asked, as builds started before", 0, []string{buildChangesChangeID, downstreamChangeID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be := newBuildEnv(t, nil)
			var asked []string
			ask := func(id string, maxV workflow.Version, v workflow.Version) {
				be.env.OnGetVersion(id, workflow.DefaultVersion, maxV).Run(func(mock.Arguments) {
					asked = append(asked, id)
				}).Return(v).Maybe()
			}
			ask(buildChangesChangeID, BuildChanges, 2)
			ask(downstreamChangeID, 1, 1)
			downstream := 0
			be.env.RegisterActivityWithOptions(func(context.Context, contracts.StartDownstreamInput) (contracts.StartDownstreamResult, error) {
				downstream++
				return contracts.StartDownstreamResult{}, nil
			}, activity.RegisterOptions{Name: activityStartDownstreamBuilds})
			be.env.ExecuteWorkflow(BuildWorkflowName, BuildInput{
				Project: "demo", Repository: "/src/demo", Commit: "0123456789abcdef0123", Branch: "main",
				Plan: plan, StartDownstream: true, Changes: tt.changes,
			})
			require.True(t, be.env.IsWorkflowCompleted())
			require.NoError(t, be.env.GetWorkflowError())
			require.Equal(t, tt.asked, asked)
			require.Equal(t, 1, downstream, "a successful build starts its downstream builds either way")
			require.Len(t, be.ledger.finished, 1)
		})
	}

	t.Run("newer than the worker", func(t *testing.T) {
		be := newBuildEnv(t, nil)
		be.env.ExecuteWorkflow(BuildWorkflowName, BuildInput{
			Project: "demo", Repository: "/src/demo", Commit: "0123456789abcdef0123", Branch: "main",
			Plan: plan, Changes: BuildChanges + 1,
		})
		require.True(t, be.env.IsWorkflowCompleted())
		var panicErr *temporal.PanicError
		require.ErrorAs(t, be.env.GetWorkflowError(), &panicErr)
		require.Contains(t, panicErr.Error(), "this worker knows up to")
		require.Zero(t, be.tasks.callCount("verify/unit"), "no task runs under behaviour older than the build's")
	})
}
