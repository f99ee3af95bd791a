package activities_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// heartbeats records the progress a task attempt heartbeats.
type heartbeats struct {
	mu     sync.Mutex
	events []activities.TaskStarted
}

func (h *heartbeats) record(_ *activity.Info, details converter.EncodedValues) {
	var ev activities.TaskStarted
	if details == nil || details.Get(&ev) != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *heartbeats) get() []activities.TaskStarted {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]activities.TaskStarted(nil), h.events...)
}

func newActivities(t *testing.T) *activities.Activities {
	t.Helper()
	dir := t.TempDir()
	return &activities.Activities{
		DataDir:           filepath.Join(dir, "data"),
		Source:            gitsource.New(filepath.Join(dir, "git")),
		Logs:              logstore.New(filepath.Join(dir, "logs")),
		Blobs:             blobstore.NewFS(filepath.Join(dir, "blobs")),
		HeartbeatInterval: 50 * time.Millisecond,
		KillGrace:         500 * time.Millisecond,
	}
}

// runTask runs RunTask in a test activity environment whose activities are
// cancelled when ctx is.
func runTask(ctx context.Context, t *testing.T, a *activities.Activities, in activities.RunTaskInput) (activities.RunTaskResult, error) {
	t.Helper()
	return runTaskWatched(ctx, t, a, in, nil)
}

// runTaskWatched is runTask with the attempt's heartbeats recorded in hb, if not nil.
func runTaskWatched(ctx context.Context, t *testing.T, a *activities.Activities, in activities.RunTaskInput,
	hb *heartbeats) (activities.RunTaskResult, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	if hb != nil {
		env.SetOnActivityHeartbeatListener(hb.record)
	}
	env.SetWorkerOptions(worker.Options{BackgroundActivityContext: ctx})
	env.RegisterActivity(a)
	val, err := env.ExecuteActivity(a.RunTask, in)
	if err != nil {
		return activities.RunTaskResult{}, err
	}
	var res activities.RunTaskResult
	require.NoError(t, val.Get(&res))
	return res, nil
}

func taskInput(run string) activities.RunTaskInput {
	return activities.RunTaskInput{
		BuildID: "build/foas/c0ffee",
		RunID:   "run-1",
		Project: "foas",
		Commit:  "c0ffee",
		Branch:  "main",
		Task: pipeline.PlanTask{
			Stage:   "verify",
			Name:    "unit",
			Run:     run,
			Timeout: time.Minute,
		},
	}
}

// appError returns the application error inside an activity error.
func appError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "not an application error: %v", err)
	return appErr
}

// readLog returns the task's log without timestamps.
func readLog(t *testing.T, a *activities.Activities, in activities.RunTaskInput) string {
	t.Helper()
	key := logstore.TaskKey(in.BuildID, in.RunID, in.Task.Stage, in.Task.Name)
	var out strings.Builder
	for off := int64(0); ; {
		b, next, err := a.Logs.ReadAt(context.Background(), key, off, 0)
		if errors.Is(err, logstore.ErrNotFound) {
			return ""
		}
		require.NoError(t, err)
		if len(b) == 0 {
			break
		}
		off = next
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if _, rest, ok := strings.Cut(line, " "); ok {
				out.WriteString(rest)
			}
		}
	}
	return out.String()
}

// requireNoWorkspaces checks that every workspace was removed, or left
// empty for the next attempt to reuse.
func requireNoWorkspaces(t *testing.T, a *activities.Activities) {
	t.Helper()
	base := filepath.Join(a.DataDir, "workspaces")
	entries, err := os.ReadDir(base)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	require.NoError(t, err)
	for _, e := range entries {
		require.True(t, e.IsDir(), "%s is left in the workspaces", e.Name())
		inside, err := os.ReadDir(filepath.Join(base, e.Name()))
		require.NoError(t, err)
		require.Empty(t, inside, "workspace %s is left with files", e.Name())
	}
}

// gitRun runs a git command for a test repository.
func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}
