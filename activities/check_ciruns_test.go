package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/drover-ci/drover/activities"
)

// executeRetry runs fn as a retry of an attempt whose last heartbeat
// recorded details.
func executeRetry(t *testing.T, pa *activities.PromotionActivities, fn, in, details any) activities.CheckResult {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(pa)
	env.SetHeartbeatDetails(details)
	val, err := env.ExecuteActivity(fn, in)
	require.NoError(t, err)
	var res activities.CheckResult
	require.NoError(t, val.Get(&res))
	return res
}

// A retried github_actions check follows the run an earlier attempt
// dispatched (its heartbeat recorded it) and dispatches only the others.
func TestCheckGitHubActionsRetryFollowsRunsAlreadyDispatched(t *testing.T) {
	f := newFakeGitHub(t, map[string]string{"smoke.yml": "success", "e2e.yml": "success"})
	f.mu.Lock()
	f.runs[9001], f.dispatched["smoke.yml"] = "smoke.yml", map[string]any{}
	f.mu.Unlock()
	pa := githubActivities(t)
	res := executeRetry(t, pa, pa.CheckGitHubActions, githubInput(f, "smoke.yml", "e2e.yml"),
		map[string]any{"runs": map[string]any{"smoke.yml": map[string]any{"id": 9001, "url": "https://github.com/acme/smoke/actions/runs/9001"}}})
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Zero(t, f.count["smoke.yml"], "not dispatched again")
	require.Equal(t, 1, f.count["e2e.yml"])
	require.Contains(t, res.Detail, "run 9001 success")
}

// A cancelled github_actions check cancels the runs it dispatched.
func TestCheckGitHubActionsCancelledCancelsItsRuns(t *testing.T) {
	f := newFakeGitHub(t, map[string]string{"smoke.yml": ""}) // never completes
	pa := githubActivities(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			f.mu.Lock()
			polled := f.polls[9001]
			f.mu.Unlock()
			if polled > 0 {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	err := execute(ctx, t, pa, pa.CheckGitHubActions, githubInput(f, "smoke.yml"), nil)
	require.ErrorContains(t, err, "cancelled")
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, []int64{9001}, f.cancelled)
}

// The same for gitlab: a retry follows the pipeline created before, a
// cancelled check cancels its pipelines.
func TestCheckGitLabRetryFollowsAndCancelCancels(t *testing.T) {
	t.Run("retry", func(t *testing.T) {
		f := newFakeGitLab(t, map[string]string{"qa/smoke": "success", "qa/e2e": "success"})
		f.mu.Lock()
		f.pipelines[701], f.created["qa/smoke"] = "qa/smoke", map[string]any{}
		f.mu.Unlock()
		pa := gitlabActivities(t)
		res := executeRetry(t, pa, pa.CheckGitLab, gitlabInput(f, "qa/smoke", "qa/e2e"),
			map[string]any{"runs": map[string]any{"qa/smoke": map[string]any{"id": 701}}})
		f.mu.Lock()
		defer f.mu.Unlock()
		require.Zero(t, f.count["qa/smoke"], "not created again")
		require.Equal(t, 1, f.count["qa/e2e"])
		require.Contains(t, res.Detail, "gitlab pipeline qa/smoke #701 success")
	})
	t.Run("cancel", func(t *testing.T) {
		f := newFakeGitLab(t, map[string]string{"qa/smoke": "success", "qa/never": "success"})
		pa := gitlabActivities(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			for {
				f.mu.Lock()
				polled := f.polls[701]
				f.mu.Unlock()
				if polled > 0 {
					cancel()
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		// qa/never is not a project of the check: no pipeline ends before
		// every project of the fake has one, so qa/smoke keeps running.
		err := execute(ctx, t, pa, pa.CheckGitLab, gitlabInput(f, "qa/smoke"), nil)
		require.ErrorContains(t, err, "cancelled")
		f.mu.Lock()
		defer f.mu.Unlock()
		require.Equal(t, []int64{701}, f.cancelled)
	})
}
