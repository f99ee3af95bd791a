package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

func TestRunTaskStepsRunInOrderInOneWorkspace(t *testing.T) {
	a := newActivities(t)
	in := taskInput("")
	in.Task.Steps = []pipeline.Step{
		{Name: "deps", Run: "echo fetched > deps.txt"},
		{Name: "build", Run: `echo "built from $(cat deps.txt)"`},
		{Name: "test", Run: "echo tested"},
	}
	res, err := runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Len(t, res.Steps, 3)
	for i, name := range []string{"deps", "build", "test"} {
		st := res.Steps[i]
		require.Equal(t, name, st.Name)
		require.Equal(t, contracts.TaskSucceeded, st.Status)
		require.NotNil(t, st.ExitCode)
		require.Zero(t, *st.ExitCode)
		require.NotNil(t, st.StartedAt)
		require.NotNil(t, st.FinishedAt)
		require.False(t, st.FinishedAt.Before(*st.StartedAt))
	}
	require.False(t, res.Steps[1].StartedAt.Before(*res.Steps[0].FinishedAt), "steps run one after another")

	log := readLog(t, a, in)
	i1, i2, i3 := strings.Index(log, "=== step 1/3 deps ==="), strings.Index(log, "=== step 2/3 build ==="), strings.Index(log, "=== step 3/3 test ===")
	require.True(t, i1 >= 0 && i1 < i2 && i2 < i3, log)
	require.Contains(t, log[i2:i3], "built from fetched\n")
	require.Contains(t, log, "=== step test succeeded after ")
	requireNoWorkspaces(t, a)
}

func TestRunTaskFailedStepSkipsTheRest(t *testing.T) {
	a := newActivities(t)
	marks := t.TempDir()
	in := taskInput("")
	in.Task.Steps = []pipeline.Step{
		{Name: "deps", Run: "touch " + filepath.Join(marks, "deps")},
		{Name: "test", Run: "echo testing; exit 3"},
		{Name: "publish", Run: "touch " + filepath.Join(marks, "publish")},
	}
	_, err := runTask(context.Background(), t, a, in)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeTaskFailed, appErr.Type())
	require.Contains(t, appErr.Error(), "task verify/unit step test exited with code 3")
	var res activities.RunTaskResult
	require.NoError(t, appErr.Details(&res))
	require.Equal(t, 3, res.ExitCode)

	var statuses []contracts.TaskStatus
	for _, st := range res.Steps {
		statuses = append(statuses, st.Status)
	}
	require.Equal(t, []contracts.TaskStatus{contracts.TaskSucceeded, contracts.TaskFailed, contracts.TaskSkipped}, statuses)
	require.Equal(t, 3, *res.Steps[1].ExitCode)
	require.Nil(t, res.Steps[2].StartedAt)
	require.Nil(t, res.Steps[2].ExitCode)

	require.FileExists(t, filepath.Join(marks, "deps"))
	_, statErr := os.Stat(filepath.Join(marks, "publish"))
	require.ErrorIs(t, statErr, os.ErrNotExist, "a step after the failed one never runs")

	log := readLog(t, a, in)
	require.Contains(t, log, "=== step test failed after ")
	require.Contains(t, log, "=== step 3/3 publish skipped ===")
	require.NotContains(t, log, "=== step 3/3 publish ===")
}

func TestRunTaskStepsShareTheTaskTimeout(t *testing.T) {
	a := newActivities(t)
	in := taskInput("")
	in.Task.Timeout = 300 * 1e6 // 300ms for all the steps together
	in.Task.Steps = []pipeline.Step{
		{Name: "first", Run: "sleep 0.2"},
		{Name: "second", Run: "sleep 5"},
		{Name: "third", Run: "true"},
	}
	_, err := runTask(context.Background(), t, a, in)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeTaskTimedOut, appErr.Type())
	require.Contains(t, appErr.Error(), "step second timed out")
	var res activities.RunTaskResult
	require.NoError(t, appErr.Details(&res))
	require.Equal(t, contracts.TaskSucceeded, res.Steps[0].Status)
	require.Equal(t, contracts.TaskFailed, res.Steps[1].Status)
	require.Equal(t, contracts.TaskSkipped, res.Steps[2].Status)
}

func TestRunTaskStepsHeartbeatProgress(t *testing.T) {
	a := newActivities(t)
	a.HeartbeatInterval = time.Minute // only the steps' own heartbeats
	hb := &heartbeats{}
	in := taskInput("")
	in.PriorAttempts = 2
	in.Task.Steps = []pipeline.Step{{Name: "one", Run: "true"}, {Name: "two", Run: "true"}}
	_, err := runTaskWatched(context.Background(), t, a, in, hb)
	require.NoError(t, err)
	// The first step's start is heartbeated at once (the SDK holds later
	// heartbeats for its throttle interval, a second on the worker).
	require.Eventually(t, func() bool { return len(hb.get()) > 0 }, 5*time.Second, 10*time.Millisecond)
	ev := hb.get()[0]
	require.Equal(t, 3, ev.Attempt)
	require.False(t, ev.Time.IsZero())
	require.Len(t, ev.Steps, 2)
	require.Equal(t, contracts.TaskBuilding, ev.Steps[0].Status)
	require.Equal(t, contracts.TaskWaiting, ev.Steps[1].Status)
}
