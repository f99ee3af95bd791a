package activities_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/internal/proctest"
	"github.com/drover-ci/drover/pipeline"
)

func TestRunTaskSuccessLogsOutputAndEnv(t *testing.T) {
	t.Setenv("DROVER_WORKER_TOKEN", "hunter2")
	t.Setenv("WORKER_VISIBLE", "yes")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "worker-aws-secret")
	a := newActivities(t)
	// Scripts get PATH, HOME, LANG and what the worker passes on by name.
	a.PassEnv = []string{"WORKER_VISIBLE"}
	in := taskInput(`echo "hello from $DROVER_PROJECT"
echo "to stderr" >&2
echo "build=$DROVER_BUILD_ID run=$DROVER_RUN_ID commit=$DROVER_COMMIT branch=$DROVER_BRANCH"
echo "stage=$DROVER_STAGE task=$DROVER_TASK attempt=$DROVER_ATTEMPT"
echo "custom=$CUSTOM worker=$WORKER_VISIBLE token=${DROVER_WORKER_TOKEN:-unset} aws=${AWS_SECRET_ACCESS_KEY:-unset}"
[ "$DROVER_WORKSPACE" = "$PWD" ] && echo "in workspace"
cat /dev/stdin
printf 'no newline at end'`)
	in.Task.Env = []pipeline.EnvVar{{Name: "CUSTOM", Value: "value-1"}}

	res, err := runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode)
	require.Equal(t, 1, res.Attempt)
	require.Equal(t, "builds/build%2Ffoas%2Fc0ffee/run-1/verify/unit.log", res.LogKey)
	require.False(t, res.StartedAt.IsZero())
	require.False(t, res.FinishedAt.Before(res.StartedAt))
	require.Positive(t, res.Duration)
	require.Contains(t, res.OutputTail, "hello from foas\n")
	require.True(t, strings.HasSuffix(res.OutputTail, "no newline at end"))
	require.NotContains(t, res.OutputTail, "===")

	log := readLog(t, a, in)
	host, _ := os.Hostname()
	require.True(t, strings.HasPrefix(log, "=== attempt 1 on "+host+" ===\n"), log)
	for _, want := range []string{
		"hello from foas\n",
		"to stderr\n",
		"build=build/foas/c0ffee run=run-1 commit=c0ffee branch=main\n",
		"stage=verify task=unit attempt=1\n",
		"custom=value-1 worker=yes token=unset aws=unset\n",
		"in workspace\n",
		"no newline at end\n",
	} {
		require.Contains(t, log, want)
	}
	require.NotContains(t, log, "hunter2")
	requireNoWorkspaces(t, a)
}

func TestRunTaskNonZeroExit(t *testing.T) {
	a := newActivities(t)
	in := taskInput("echo about to fail\nfalse\necho not reached")
	in.PriorAttempts = 2
	_, err := runTask(context.Background(), t, a, in)
	require.Error(t, err)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeTaskFailed, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "task verify/unit exited with code 1")
	var res activities.RunTaskResult
	require.NoError(t, appErr.Details(&res))
	require.Equal(t, 1, res.ExitCode)
	require.Equal(t, 3, res.Attempt)
	require.Equal(t, "about to fail\n", res.OutputTail)
	log := readLog(t, a, in)
	require.Contains(t, log, "=== attempt 3 on ")
	require.NotContains(t, log, "not reached")
	require.Contains(t, log, "exited with code 1")

	// pipefail: a failing command inside a pipeline fails the task.
	in = taskInput("exit 7 | cat")
	_, err = runTask(context.Background(), t, a, in)
	require.NoError(t, appError(t, err).Details(&res))
	require.Equal(t, 7, res.ExitCode)
	requireNoWorkspaces(t, a)
}

func TestRunTaskAttemptsShareOneLog(t *testing.T) {
	a := newActivities(t)
	for prior := range 3 {
		in := taskInput(`echo "attempt $DROVER_ATTEMPT"`)
		in.PriorAttempts = prior
		res, err := runTask(context.Background(), t, a, in)
		require.NoError(t, err)
		require.Equal(t, prior+1, res.Attempt)
	}
	log := readLog(t, a, taskInput(""))
	require.Equal(t, 3, strings.Count(log, "=== attempt "))
	i1, i2, i3 := strings.Index(log, "attempt 1\n"), strings.Index(log, "attempt 2\n"), strings.Index(log, "attempt 3\n")
	require.True(t, i1 >= 0 && i1 < i2 && i2 < i3, log)
}

func TestRunTaskCheckout(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	require.NoError(t, os.MkdirAll(repo, 0o755))
	gitRun(t, repo, "init", "-q", "-b", "main")
	require.NoError(t, os.WriteFile(filepath.Join(repo, "VERSION"), []byte("1\n"), 0o644))
	gitRun(t, repo, "add", ".")
	gitRun(t, repo, "commit", "-q", "-m", "one")
	c1 := gitRun(t, repo, "rev-parse", "HEAD")
	require.NoError(t, os.WriteFile(filepath.Join(repo, "VERSION"), []byte("2\n"), 0o644))
	gitRun(t, repo, "commit", "-q", "-am", "two")

	tests := []struct {
		name     string
		checkout bool
		want     string
	}{
		{"older commit", true, "version=1 head=" + c1 + "\n"},
		{"no checkout", false, "empty workspace\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newActivities(t)
			in := taskInput(`if [ -e .git ]; then echo "version=$(cat VERSION) head=$(git rev-parse HEAD)"; ` +
				`elif [ -z "$(ls -A)" ]; then echo "empty workspace"; fi`)
			in.Repository, in.Commit, in.Task.Checkout = repo, c1, tt.checkout
			res, err := runTask(context.Background(), t, a, in)
			require.NoError(t, err)
			require.Equal(t, tt.want, res.OutputTail)
			requireNoWorkspaces(t, a)
		})
	}
}

func TestRunTaskCheckoutFailureIsRetryable(t *testing.T) {
	a := newActivities(t)
	in := taskInput("echo never")
	in.Repository = filepath.Join(t.TempDir(), "missing")
	in.Commit = strings.Repeat("a", 40)
	in.Task.Checkout = true
	_, err := runTask(context.Background(), t, a, in)
	require.Error(t, err)
	appErr := appError(t, err)
	require.False(t, appErr.NonRetryable(), "checkout failure must be retried")
	require.Contains(t, err.Error(), "checkout")
	log := readLog(t, a, in)
	require.Contains(t, log, "=== checkout failed: ")
	require.NotContains(t, log, "never")
	requireNoWorkspaces(t, a)
}

func TestRunTaskArtifacts(t *testing.T) {
	a := newActivities(t)
	in := taskInput(`mkdir -p dist && printf 'tarball bytes' > dist/foas.tar.gz && ln -s dist/foas.tar.gz latest`)
	in.Task.Artifacts = []pipeline.Artifact{{Name: "foas", Path: "dist/foas.tar.gz"}, {Name: "latest", Path: "latest"}}
	res, err := runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	sum := sha256.Sum256([]byte("tarball bytes"))
	require.Equal(t, []activities.ArtifactRef{
		{Name: "foas", Path: "dist/foas.tar.gz", Key: "artifacts/foas/c0ffee/run-1/verify/unit/foas", SHA256: hex.EncodeToString(sum[:]), Size: 13},
		{Name: "latest", Path: "latest", Key: "artifacts/foas/c0ffee/run-1/verify/unit/latest", SHA256: hex.EncodeToString(sum[:]), Size: 13},
	}, res.Artifacts)
	rc, err := a.Blobs.Get(context.Background(), res.Artifacts[0].Key)
	require.NoError(t, err)
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, "tarball bytes", string(b))
	require.Contains(t, readLog(t, a, in), "=== artifact foas: dist/foas.tar.gz (13 bytes, sha256 "+hex.EncodeToString(sum[:]))
	requireNoWorkspaces(t, a)
}

func TestRunTaskBadArtifacts(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(outside, []byte("secret"), 0o644))
	tests := []struct {
		name    string
		run     string
		path    string
		errType string
		message string
	}{
		{"parent path", "true", "../secret.txt", activities.ErrTypeBadTask, "escapes the workspace"},
		{"absolute path", "true", outside, activities.ErrTypeBadTask, "must be relative"},
		{"symlink out", "ln -s " + outside + " out", "out", activities.ErrTypeBadTask, "leads out of the workspace"},
		{"missing", "true", "dist/none.tar.gz", activities.ErrTypeTaskFailed, "dist/none.tar.gz was not produced"},
		{"directory", "mkdir dist", "dist", activities.ErrTypeTaskFailed, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newActivities(t)
			in := taskInput(tt.run)
			in.Task.Artifacts = []pipeline.Artifact{{Name: "art", Path: tt.path}}
			_, err := runTask(context.Background(), t, a, in)
			appErr := appError(t, err)
			require.Equal(t, tt.errType, appErr.Type())
			require.True(t, appErr.NonRetryable())
			require.Contains(t, appErr.Error(), tt.message)
			var res activities.RunTaskResult
			require.NoError(t, appErr.Details(&res))
			require.Equal(t, 0, res.ExitCode)
			_, err = a.Blobs.Stat(context.Background(), "artifacts/foas/c0ffee/run-1/verify/unit/art")
			require.Error(t, err)
			requireNoWorkspaces(t, a)
		})
	}
}

func TestRunTaskTimeoutKillsProcessGroup(t *testing.T) {
	a := newActivities(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	in := taskInput(`sleep 100 & echo $! > "$PIDFILE"; echo started; wait`)
	in.Task.Env = []pipeline.EnvVar{{Name: "PIDFILE", Value: pidFile}}
	in.Task.Timeout = 500 * time.Millisecond
	_, err := runTask(context.Background(), t, a, in)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeTaskTimedOut, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "task verify/unit timed out after 500ms")
	var res activities.RunTaskResult
	require.NoError(t, appErr.Details(&res))
	require.Equal(t, -1, res.ExitCode)
	require.Equal(t, "started\n", res.OutputTail)
	proctest.RequireGone(t, proctest.ReadPID(t, pidFile))
	require.Contains(t, readLog(t, a, in), "timed out")
	requireNoWorkspaces(t, a)
}

func TestRunTaskCancelKillsProcessGroup(t *testing.T) {
	a := newActivities(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	in := taskInput(`sleep 100 & echo $! > "$PIDFILE"; wait`)
	in.Task.Env = []pipeline.EnvVar{{Name: "PIDFILE", Value: pidFile}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		proctest.ReadPID(t, pidFile)
		cancel()
	}()
	_, err := runTask(ctx, t, a, in)
	require.ErrorContains(t, err, "cancelled")
	require.ErrorContains(t, err, context.Canceled.Error())
	proctest.RequireGone(t, proctest.ReadPID(t, pidFile))
	require.Contains(t, readLog(t, a, in), "=== cancelled ===")
	requireNoWorkspaces(t, a)
}

func TestRunTaskLogVisibleWhileRunning(t *testing.T) {
	a := newActivities(t)
	gate := filepath.Join(t.TempDir(), "gate")
	in := taskInput(`echo first line; while [ ! -e "$GATE" ]; do sleep 0.02; done; echo second line`)
	in.Task.Env = []pipeline.EnvVar{{Name: "GATE", Value: gate}}
	done := make(chan error, 1)
	go func() {
		_, err := runTask(context.Background(), t, a, in)
		done <- err
	}()
	require.Eventually(t, func() bool { return strings.Contains(readLog(t, a, in), "first line\n") },
		10*time.Second, 10*time.Millisecond)
	require.NotContains(t, readLog(t, a, in), "second line")
	require.NoError(t, os.WriteFile(gate, nil, 0o644))
	require.NoError(t, <-done)
	require.Contains(t, readLog(t, a, in), "second line\n")
}

func TestRunTaskHeartbeatsItsProgress(t *testing.T) {
	tests := []struct {
		name     string
		run      string
		interval time.Duration
		want     bool
	}{
		{"long task", "sleep 0.5", 50 * time.Millisecond, true},
		{"instant task", "true", time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newActivities(t)
			a.HeartbeatInterval = tt.interval
			in := taskInput(tt.run)
			in.PriorAttempts = 1
			hb := &heartbeats{}
			_, err := runTaskWatched(context.Background(), t, a, in, hb)
			require.NoError(t, err)
			events := hb.get()
			if !tt.want {
				// The build is told nothing: the task's pending activity says it runs.
				require.Empty(t, events)
				return
			}
			require.NotEmpty(t, events)
			require.Equal(t, "verify", events[0].Stage)
			require.Equal(t, "unit", events[0].Task)
			require.Equal(t, 2, events[0].Attempt)
			require.False(t, events[0].Time.IsZero())
		})
	}
}
