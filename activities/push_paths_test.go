package activities_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
)

// A target's registration may name the files pushes from a project may
// write (accepts_from[].paths): a push step writing any other file, the
// target's drover.yaml say (which its next build would run with its
// secrets), is refused and pushes nothing.
func TestRunTaskPushStepWritesOnlyAcceptedPaths(t *testing.T) {
	bare := bareRepo(t)
	before := headOf(t, bare, "dev")
	reg, err := registry.Parse("/etc/drover/projects.yaml", []byte(`
projects:
  - name: foas
    paths: [/srv/foas.git]
  - name: image
    paths: [`+bare+`]
    accepts_from:
      - {project: foas, branches: [dev], paths: [config.json, manifests]}
`))
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		files  []pipeline.PushFile
		json   string
		reason string
	}{
		{name: "drover.yaml", files: []pipeline.PushFile{{From: "f", To: "drover.yaml"}},
			reason: `project "image" accepts from "foas" only files config.json, manifests: not drover.yaml`},
		{name: "json elsewhere", json: "bake.json", reason: "not bake.json"},
		{name: "from without to", files: []pipeline.PushFile{{From: "f"}}, reason: "not f"},
		{name: "beside a directory", files: []pipeline.PushFile{{From: "f", To: "manifests.sh"}}, reason: "not manifests.sh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chain := &fakeChain{}
			a := newActivities(t)
			a.PushTargets, a.ChainPushes, a.Builds = reg, chain, chain
			in := taskInput("")
			in.SecretsAllowed, in.Branch = true, "dev"
			push := &pipeline.PushStep{Project: "image", Files: tc.files}
			if tc.json != "" {
				push.JSON = []pipeline.PushJSON{{File: tc.json, Set: map[string]string{"v": "1"}}}
			}
			in.Task.Steps = []pipeline.Step{{Name: "make", Run: "echo x > f"}, {Name: "hand-off", Push: push}}
			_, err := runTask(context.Background(), t, a, in)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.reason)
			require.Empty(t, chain.pushes)
			require.Equal(t, before, headOf(t, bare, "dev"))
		})
	}

	// Accepted files, directly or under an accepted directory, are pushed.
	chain := &fakeChain{}
	a := newActivities(t)
	a.PushTargets, a.ChainPushes, a.Builds = reg, chain, chain
	in := taskInput("")
	in.SecretsAllowed, in.Branch = true, "dev"
	in.Task.Steps = []pipeline.Step{{Name: "make", Run: "echo '{}' > f"}, {Name: "hand-off", Push: &pipeline.PushStep{Project: "image",
		Files: []pipeline.PushFile{{From: "f", To: "manifests/a/b.json"}},
		JSON:  []pipeline.PushJSON{{File: "config.json", Set: map[string]string{"v": "1"}}}}}}
	_, err = runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Len(t, chain.pushes, 1)
}
