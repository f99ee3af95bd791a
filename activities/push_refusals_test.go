package activities_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

// headOf is the commit at branch of repository bare.
func headOf(t *testing.T, bare, branch string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", bare, "rev-parse", "refs/heads/"+branch).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.TrimSpace(string(out))
}

// A push step's files and {file:} values come from a workspace the task's
// scripts wrote: a link leading out of it, a FIFO (which would hold the
// worker's read forever) and a path into a .git directory of the target
// are refused, the step failing, and nothing is pushed.
func TestRunTaskPushStepStaysInItsWorkspace(t *testing.T) {
	bare := bareRepo(t)
	before := headOf(t, bare, "dev")
	outside := filepath.Join(t.TempDir(), "worker-secret")
	require.NoError(t, os.WriteFile(outside, []byte("worker secret\n"), 0o600))
	for _, tc := range []struct {
		name, run string
		files     []pipeline.PushFile
		json      map[string]string
		want      string
	}{
		{name: "file link", run: "ln -s " + outside + " leak", files: []pipeline.PushFile{{From: "leak", To: "leak.txt"}}},
		{name: "value link", run: "ln -s " + outside + " leak", json: map[string]string{"v": "{file:leak}"}},
		{name: "directory link", run: "ln -s " + filepath.Dir(outside) + " d", files: []pipeline.PushFile{{From: "d/worker-secret"}}},
		{name: "fifo", run: "mkfifo pipe", files: []pipeline.PushFile{{From: "pipe"}}, want: "not a regular file"},
		{name: "fifo value", run: "mkfifo pipe", json: map[string]string{"v": "{file:pipe}"}, want: "not a regular file"},
		{name: "nested .git", run: "echo x > f", files: []pipeline.PushFile{{From: "f", To: "sub/.git/hooks/post-checkout"}}},
		{name: ".GIT", run: "echo x > f", files: []pipeline.PushFile{{From: "f", To: ".GIT/config"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chain := &fakeChain{}
			a := newActivities(t)
			a.PushTargets, a.ChainPushes, a.Builds = fakeTargets{"image@dev": bare}, chain, chain
			in := taskInput("")
			in.SecretsAllowed, in.Branch = true, "dev"
			push := &pipeline.PushStep{Project: "image", Files: tc.files}
			if tc.json != nil {
				push.JSON = []pipeline.PushJSON{{File: "config.json", Set: tc.json}}
			}
			in.Task.Steps = []pipeline.Step{{Name: "make", Run: tc.run}, {Name: "hand-off", Push: push}}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := runTask(ctx, t, a, in)
			appErr := appError(t, err)
			require.Equal(t, activities.ErrTypeTaskFailed, appErr.Type())
			require.Contains(t, appErr.Error(), "step hand-off: ")
			require.Contains(t, appErr.Error(), tc.want)
			require.NotContains(t, appErr.Error(), "worker secret")
			require.Empty(t, chain.pushes)
			require.Equal(t, before, headOf(t, bare, "dev"), "nothing was pushed")
		})
	}
}
