package tests

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

// TestDuplicateHookAnsweredWithoutWorker redelivers a push whose build runs
// while no worker polls its task queue: the duplicate is answered with the
// same build and run, existing and running, from what Temporal knows of the
// run and without a query of the workflow, which no worker would answer
// (the server holds such a query for seconds before it gives up).
func TestDuplicateHookAnsweredWithoutWorker(t *testing.T) {
	const secret = "no-worker-hook-secret"
	var queries atomic.Int32
	h := newHarness(t, false, func(s *api.Server) {
		s.HookSecrets = map[string]string{api.HookEnvSuffix("noworker"): secret}
		// A task queue no worker of any test polls.
		s.Builds = &api.TemporalBuilds{TaskQueue: "drover-no-worker-" + t.Name(),
			Client: countQueries{WorkflowClient: s.Builds.(*api.TemporalBuilds).Client, n: &queries}}
	})
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": `project: noworker
build:
  stages:
    - name: one
      tasks: [{name: t, run: 'true', checkout: false}]
`})
	payload := giteaPush(t, repo, commit)
	var created createResp
	require.Equal(t, http.StatusAccepted, h.postHook("noworker", "gitea", payload, secret, &created))
	require.Equal(t, contracts.BuildID("noworker", commit), created.ID)
	t.Cleanup(func() { _ = h.client.TerminateWorkflow(context.Background(), created.ID, "", "test over") })

	for range 2 {
		var again createResp
		require.Equal(t, http.StatusOK, h.postHook("noworker", "gitea", payload, secret, &again))
		require.Equal(t, created.ID, again.ID)
		require.Equal(t, created.RunID, again.RunID)
		require.True(t, again.Existing)
		require.Equal(t, workflows.StatusRunning, again.Status)
	}
	require.Zero(t, queries.Load(), "a duplicate delivery queried the workflow")
}

// countQueries counts the workflow queries made through it.
type countQueries struct {
	api.WorkflowClient
	n *atomic.Int32
}

func (c countQueries) QueryWorkflow(ctx context.Context, id, runID, queryType string, args ...any) (converter.EncodedValue, error) {
	c.n.Add(1)
	return c.WorkflowClient.QueryWorkflow(ctx, id, runID, queryType, args...)
}
