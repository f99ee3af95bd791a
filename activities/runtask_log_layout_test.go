package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/logstore"
)

// A task's first attempt writes its run's run log; a later attempt of a
// task whose earlier attempt (on a worker from before the run log) wrote
// a file of its own appends to that file, so that its log stays in one place.
func TestRunTaskLogGoesWhereTheTasksEarlierAttemptsAre(t *testing.T) {
	a := newActivities(t)
	logsDir := a.Logs.(*logstore.Store).Dir

	first := taskInput("echo first attempt")
	res, err := runTask(context.Background(), t, a, first)
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(logsDir, filepath.FromSlash(res.LogKey)))
	require.ErrorIs(t, err, os.ErrNotExist, "a first attempt has no file of its own")
	b, _, err := a.Logs.ReadAt(context.Background(), res.LogKey, 0, 0)
	require.NoError(t, err)
	require.Contains(t, string(b), "first attempt")

	retried := taskInput("echo second attempt")
	retried.Task.Name = "lint"
	retried.PriorAttempts = 1
	key := logstore.TaskKey(retried.BuildID, retried.RunID, retried.Task.Stage, retried.Task.Name)
	own := filepath.Join(logsDir, filepath.FromSlash(key))
	require.NoError(t, os.MkdirAll(filepath.Dir(own), 0o755))
	require.NoError(t, os.WriteFile(own, []byte("2026-12-01T00:00:00.000Z attempt 1 of an older worker\n"), 0o644))
	res, err = runTask(context.Background(), t, a, retried)
	require.NoError(t, err)
	require.Equal(t, key, res.LogKey)
	data, err := os.ReadFile(own)
	require.NoError(t, err)
	require.Contains(t, string(data), "attempt 1 of an older worker")
	require.Contains(t, string(data), "second attempt")
}
