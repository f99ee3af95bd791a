package registry

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

func TestPushTarget(t *testing.T) {
	reg, err := Parse("/etc/drover/projects.yaml", []byte(`
projects:
  - name: software
    paths: [repos/software]
  - name: image
    paths: [repos/image]
    accepts_from:
      - {project: software, branches: [dev, qa, main]}
  - name: other
    repositories: [https://git.example.com/other.git]
    paths: [repos/other]
    accepts_from:
      - {project: image, branches: ["*"], repository: repos/other}
`))
	require.NoError(t, err)
	repo, err := reg.PushTarget("software", "image", "dev")
	require.NoError(t, err)
	require.Equal(t, "/etc/drover/repos/image", repo)
	repo, err = reg.PushTarget("image", "other", "feature/x")
	require.NoError(t, err)
	require.Equal(t, "/etc/drover/repos/other", repo, "the acceptance's repository")

	for _, tc := range []struct{ source, target, branch, reason string }{
		{"software", "nowhere", "dev", `project "nowhere" is not registered`},
		{"stranger", "image", "dev", `project "stranger" is not registered`},
		{"image", "software", "dev", `project "software" does not accept pushes from "image"`},
		{"software", "image", "prod", `accepts pushes from "software" to branches dev, qa, main only`},
		{"image", "image", "dev", "its own repository"},
	} {
		_, err := reg.PushTarget(tc.source, tc.target, tc.branch)
		var refused *PushRefusedError
		require.True(t, errors.As(err, &refused), "%s → %s: %v", tc.source, tc.target, err)
		require.Contains(t, err.Error(), tc.reason)
	}
	var none *Registry
	_, err = none.PushTarget("software", "image", "dev")
	require.ErrorContains(t, err, "no projects file")
	require.Equal(t, []string{"image"}, reg.PushesTo("software"))
}

func TestAcceptsFromErrors(t *testing.T) {
	_, err := Parse("projects.yaml", []byte(`
projects:
  - name: image
    paths: [repos/image]
    accepts_from:
      - {project: image, branches: [dev]}
      - {project: software}
      - {project: software, branches: [dev], repository: elsewhere}
`))
	require.Error(t, err)
	require.ErrorContains(t, err, "accepts_from[0].project: a project may not accept pushes from itself")
	require.ErrorContains(t, err, "accepts_from[1].branches: name the branches")
	require.ErrorContains(t, err, `accepts_from[2].repository: "elsewhere" is not one of`)
}

// TestExampleChains keeps the chains of examples/projects.yaml true: each
// project's drover.yaml pushes only where the registration lets it.
func TestExampleChains(t *testing.T) {
	r, err := Load(filepath.Join("..", "examples", "projects.yaml"), 0, nil)
	require.NoError(t, err)
	for _, tc := range []struct{ project, dir string }{
		{"chain-software", "chain/software"}, {"chain-image", "chain/image"},
		{"chain-infrastructure", "chain/infrastructure"}, {"release-model", "release-model"},
	} {
		_, ok := r.Project(tc.project)
		require.True(t, ok, tc.project)
		data, err := os.ReadFile(filepath.Join("..", "examples", filepath.FromSlash(tc.dir), "drover.yaml"))
		require.NoError(t, err)
		def, err := pipeline.Parse("drover.yaml", data)
		require.NoError(t, err, tc.dir)
		require.Equal(t, tc.project, def.Project)
		for _, st := range def.Build.Stages {
			for _, task := range st.Tasks {
				for _, step := range task.Steps {
					if step.Push == nil {
						continue
					}
					for _, branch := range []string{"dev", "qa", "main"} {
						if step.Push.Branch != "{branch}" && step.Push.Branch != "" && step.Push.Branch != branch {
							continue
						}
						_, err := r.PushTarget(tc.project, step.Push.Project, branch)
						require.NoError(t, err, "%s → %s %s", tc.project, step.Push.Project, branch)
					}
				}
			}
		}
	}
	_, err = r.PushTarget("chain-image", "chain-software", "dev")
	require.Error(t, err, "no way back up the chain")
}
