package workflows_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

// fakeHeads answers StartMissingBuilds with result or, for the first
// failures calls, with an error; it records the inputs it got.
type fakeHeads struct {
	result   contracts.StartMissingBuildsResult
	failures int
	calls    []contracts.StartMissingBuildsInput
}

func (f *fakeHeads) StartMissingBuilds(_ context.Context, in contracts.StartMissingBuildsInput) (contracts.StartMissingBuildsResult, error) {
	f.calls = append(f.calls, in)
	if len(f.calls) <= f.failures {
		return contracts.StartMissingBuildsResult{}, errors.New("api unreachable")
	}
	return f.result, nil
}

func TestPoll(t *testing.T) {
	counts := contracts.StartMissingBuildsResult{Heads: 3, Started: 1, Existing: 2}
	tests := []struct {
		name      string
		failures  int
		wantCalls int
		wantErr   bool
	}{
		{name: "starts missing builds", wantCalls: 1},
		{name: "a failed attempt is retried", failures: 2, wantCalls: 3},
		{name: "gives up until the next poll", failures: 10, wantCalls: 3, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			heads := &fakeHeads{result: counts, failures: tt.failures}
			env.RegisterActivityWithOptions(heads.StartMissingBuilds, activity.RegisterOptions{Name: "StartMissingBuilds"})
			in := workflows.PollInput{Project: "demo", Repository: "/srv/git/demo.git"}

			env.ExecuteWorkflow(workflows.Poll, in)

			require.True(t, env.IsWorkflowCompleted())
			require.Len(t, heads.calls, tt.wantCalls)
			require.Equal(t, contracts.StartMissingBuildsInput{Project: "demo", Repository: "/srv/git/demo.git"}, heads.calls[0])
			if tt.wantErr {
				require.ErrorContains(t, env.GetWorkflowError(), "api unreachable")
				return
			}
			require.NoError(t, env.GetWorkflowError())
			var got workflows.PollResult
			require.NoError(t, env.GetWorkflowResult(&got))
			require.Equal(t, counts, got)
		})
	}
}

func TestPollScheduleID(t *testing.T) {
	require.Equal(t, "poll/web-app", contracts.PollScheduleID("web-app"))
}
