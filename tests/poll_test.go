package tests

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

const pollPipeline = `project: poll-demo
build:
  stages:
    - name: check
      tasks:
        - {name: echo, run: echo "built $DROVER_BRANCH"}
`

// TestPollStartsBuildsOfMissedHeads runs the poll schedule against the real
// server: heads pushed without a webhook are built when the schedule fires,
// and firing it again starts nothing new.
func TestPollStartsBuildsOfMissedHeads(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, true)
	repo, mainSHA := gitRepo(t, map[string]string{"drover.yaml": pollPipeline})
	git(t, repo, "checkout", "-q", "-b", "feature")
	featureSHA := commitFiles(t, repo, map[string]string{"feature.txt": "f\n"})

	schedules := api.TemporalPollSchedules{Client: h.client.ScheduleClient()}
	target := api.PollTarget{Project: "poll-demo", Repository: repo}
	logger := slog.New(slog.DiscardHandler)
	// Created, then updated in place: starting the API twice is safe.
	require.NoError(t, api.EnsurePollSchedules(ctx, schedules, []api.PollTarget{target}, time.Hour, logger))
	require.NoError(t, api.EnsurePollSchedules(ctx, schedules, []api.PollTarget{target}, 2*time.Hour, logger))
	handle := h.client.ScheduleClient().GetHandle(ctx, contracts.PollScheduleID("poll-demo"))
	t.Cleanup(func() { _ = handle.Delete(context.Background()) })
	desc, err := handle.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, 2*time.Hour, desc.Schedule.Spec.Intervals[0].Every)

	firstRun := triggerPoll(t, h.client, handle, 0)
	require.Equal(t, workflows.PollResult{Heads: 2, Started: 2}, firstRun)
	for _, sha := range []string{mainSHA, featureSHA} {
		end := h.waitFor(contracts.BuildID("poll-demo", sha), 30*time.Second, "build end", finished)
		require.Equal(t, workflows.StatusSucceeded, end.Status)
	}

	secondRun := triggerPoll(t, h.client, handle, 1)
	require.Equal(t, workflows.PollResult{Heads: 2, Existing: 2}, secondRun)
	var s workflows.BuildState
	require.Equal(t, http.StatusOK, h.do(http.MethodGet, buildPath(contracts.BuildID("poll-demo", mainSHA)), nil, &s))
	require.Equal(t, activities.PollTrigger, s.TriggeredBy)
	require.Equal(t, "main", s.Branch)
	require.False(t, s.Rerun)
}

// triggerPoll fires the schedule once, waits for the poll it starts (the
// schedule's recent action number done+1) and returns its result.
func triggerPoll(t *testing.T, c client.Client, handle client.ScheduleHandle, done int) workflows.PollResult {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, handle.Trigger(ctx, client.ScheduleTriggerOptions{}))
	var workflowID string
	require.Eventually(t, func() bool {
		desc, err := handle.Describe(ctx)
		if err != nil || len(desc.Info.RecentActions) <= done {
			return false
		}
		workflowID = desc.Info.RecentActions[done].StartWorkflowResult.WorkflowID
		return true
	}, 20*time.Second, 100*time.Millisecond)
	var res workflows.PollResult
	require.NoError(t, c.GetWorkflow(ctx, workflowID, "").Get(ctx, &res))
	return res
}
