package workflows

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
)

// TestLostAttemptsAreRetriedApartFromScriptRetries: a task with no script
// retries loses two attempts to infrastructure and then succeeds; each lost
// attempt is said on the task (ready again, "retrying"), and the next
// attempt's number goes on.
func TestLostAttemptsAreRetriedApartFromScriptRetries(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeInfra, outcomeInfra, outcomeOK}})
	state, err := be.run(t, testPlan(stage("verify", false, task("unit", 0))))
	require.NoError(t, err)
	require.Equal(t, StatusSucceeded, state.Status)
	require.Equal(t, 3, be.tasks.callCount("verify/unit"))
	unit := state.Stages[0].Tasks[0]
	require.Equal(t, TaskSucceeded, unit.Status)
	require.Equal(t, 3, unit.Attempt)
	require.Empty(t, unit.Error)
	var lost []string
	for _, ev := range state.Events {
		if ev.Type == EventTaskFail {
			lost = append(lost, fmt.Sprintf("%d %s", ev.Attempt, ev.Message))
		}
	}
	require.Equal(t, []string{
		"1 infrastructure failure: checkout failed: connection reset, retrying (1 of 3 attempts lost to infrastructure)",
		"2 infrastructure failure: checkout failed: connection reset, retrying (2 of 3 attempts lost to infrastructure)",
	}, lost)
}

// TestScriptFailureAfterLostAttemptStaysAScriptFailure: the script's exit
// code still decides, and its retries are all still there after a loss.
func TestScriptFailureAfterLostAttemptStaysAScriptFailure(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeInfra, outcomeFail, outcomeFail}})
	state, err := be.run(t, testPlan(stage("verify", false, task("unit", 1))))
	require.Error(t, err)
	require.Equal(t, 3, be.tasks.callCount("verify/unit"), "one lost attempt, then the run and its one retry")
	unit := state.Stages[0].Tasks[0]
	require.Equal(t, TaskFailed, unit.Status)
	require.Equal(t, "task verify/unit exited with code 1", unit.Error)
}

// TestInfrastructureFailureSaysSo: past InfraRetries lost attempts the task
// fails saying that infrastructure failed it, not the script.
func TestInfrastructureFailureSaysSo(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeInfra}})
	state, err := be.run(t, testPlan(stage("verify", false, task("unit", 5))))
	require.Error(t, err)
	require.Equal(t, 3, be.tasks.callCount("verify/unit"))
	require.Equal(t, "infrastructure failure: checkout failed: connection reset; failed on infrastructure: 3 attempts lost to it, the limit",
		state.Stages[0].Tasks[0].Error)
}

func TestLostMessage(t *testing.T) {
	hb := temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_HEARTBEAT, nil)
	require.Equal(t, "worker lost", lostMessage(hb))
	require.True(t, isInfraFailure(hb))
	require.True(t, strings.HasPrefix(lostMessage(errors.New("log store: disk full")), "infrastructure failure: "))
	require.False(t, isInfraFailure(temporal.NewNonRetryableApplicationError("exit 1", contracts.ErrTypeTaskFailed, nil)))
	require.False(t, isInfraFailure(temporal.NewNonRetryableApplicationError("bad", contracts.ErrTypeBadTask, nil)))
	require.False(t, isInfraFailure(temporal.NewCanceledError()))
}
