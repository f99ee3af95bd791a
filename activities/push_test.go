package activities_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

type fakeTargets map[string]string

func (f fakeTargets) PushTarget(source, target, branch string) (string, error) {
	if repo, ok := f[target+"@"+branch]; ok {
		return repo, nil
	}
	return "", errors.New("chain push refused: " + target + " does not accept it")
}

type fakeChain struct {
	pushes   []ledger.ChainPush
	requests []string
}

func (f *fakeChain) RecordChainPush(_ context.Context, p ledger.ChainPush) error {
	f.pushes = append(f.pushes, p)
	return nil
}

func (f *fakeChain) RequestBuild(_ context.Context, repository, commit, branch string) error {
	f.requests = append(f.requests, repository+" "+commit+" "+branch)
	return nil
}

func bareRepo(t *testing.T) string {
	t.Helper()
	work, bare := t.TempDir(), filepath.Join(t.TempDir(), "image.git")
	for _, args := range [][]string{
		{"init", "-q", "-b", "dev"}, {"commit", "-q", "--allow-empty", "-m", "seed"}, {"init", "-q", "--bare", bare}, {"push", "-q", bare, "dev"},
	} {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@x"}, args...)...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	return bare
}

func TestRunTaskPushStepCommitsToTheTarget(t *testing.T) {
	bare := bareRepo(t)
	chain := &fakeChain{}
	a := newActivities(t)
	a.PushTargets, a.ChainPushes, a.Builds = fakeTargets{"image@main": bare}, chain, chain
	in := taskInput("")
	in.SecretsAllowed, in.Version = true, "c0ffee"
	in.Task.Steps = []pipeline.Step{
		{Name: "build", Run: "mkdir -p dist && echo v1.2 > dist/tag && echo '{}' > dist/m.json"},
		{Name: "hand-off", Push: &pipeline.PushStep{Project: "image", Branch: "{branch}",
			Files:   []pipeline.PushFile{{From: "dist/m.json", To: "manifests/m.json"}},
			JSON:    []pipeline.PushJSON{{File: "config.json", Set: map[string]string{"software.tag": "{file:dist/tag}", "version": "{version}"}}},
			Message: "tag {file:dist/tag}"}},
	}
	// The target's main branch does not exist yet: the push says so.
	_, err := runTask(context.Background(), t, a, in)
	require.ErrorContains(t, err, "step hand-off: branch main of "+bare+": no such branch")

	in.Branch = "dev"
	a.PushTargets = fakeTargets{"image@dev": bare}
	res, err := runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Len(t, chain.pushes, 1)
	p := chain.pushes[0]
	require.Equal(t, "image", p.TargetProject)
	require.Equal(t, "foas", p.SourceProject)
	require.Equal(t, "verify/unit/hand-off", p.Step)
	show := func(obj string) string {
		out, err := exec.Command("git", "-C", bare, "show", obj).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	require.JSONEq(t, `{"software": {"tag": "v1.2"}, "version": "c0ffee"}`, show(p.Commit+":config.json"))
	require.Equal(t, "{}\n", show(p.Commit+":manifests/m.json"))
	require.Contains(t, show(p.Commit), "tag v1.2\n")
	require.Contains(t, show(p.Commit), "Drover-Build: build/foas/c0ffee")
	require.Equal(t, []string{bare + " " + p.Commit + " dev"}, chain.requests)
	require.Len(t, res.Steps, 2)

	// A build of a branch the project does not trust pushes nothing.
	in.SecretsAllowed = false
	_, err = runTask(context.Background(), t, a, in)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeTaskFailed, appErr.Type())
	require.Contains(t, appErr.Error(), `refused: project foas does not trust branch "dev"`)
	// A target the registration does not allow.
	in.SecretsAllowed = true
	in.Task.Steps[1].Push.Project = "other"
	_, err = runTask(context.Background(), t, a, in)
	require.ErrorContains(t, err, "other does not accept it")
	require.Len(t, chain.pushes, 1)
	require.Contains(t, readLog(t, a, in), "=== push: chain push refused")
}
