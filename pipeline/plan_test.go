package pipeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNewPlanFillsDefaults(t *testing.T) {
	src := `project: demo
repository: https://git.example.com/demo.git
build:
  stages:
    - name: test
      fail_fast: true
      tasks:
        - name: unit
          run: go test ./...
          timeout: 10m
          retries: 2
          runs-on: [linux, gpu, linux]
          env: {ZED: z, ALPHA: a}
        - name: lint
          run: go vet ./...
          checkout: false
    - name: package
      tasks:
        - name: tarball
          run: make dist
          checkout: true
          artifacts: [{name: dist, path: dist/demo.tar.gz}]
`
	p, err := Parse("drover.yaml", []byte(src))
	require.NoError(t, err)
	plan := NewPlan(p)

	want := Plan{
		Project:    "demo",
		Repository: "https://git.example.com/demo.git",
		Stages: []PlanStage{
			{Name: "test", FailFast: true, Tasks: []PlanTask{
				{Stage: "test", Name: "unit", Run: "go test ./...", Timeout: 10 * time.Minute, Retries: 2,
					RunsOn: []string{"gpu", "linux"}, Checkout: true,
					Env: []EnvVar{{Name: "ALPHA", Value: "a"}, {Name: "ZED", Value: "z"}}},
				{Stage: "test", Name: "lint", Run: "go vet ./...", Timeout: DefaultTaskTimeout, Checkout: false},
			}},
			{Name: "package", Tasks: []PlanTask{
				{Stage: "package", Name: "tarball", Run: "make dist", Timeout: DefaultTaskTimeout, Checkout: true,
					Artifacts: []Artifact{{Name: "dist", Path: "dist/demo.tar.gz"}}},
			}},
		},
	}
	require.Equal(t, want, plan)
	require.Equal(t, 3, plan.TaskCount())

	got, ok := plan.Task("test", "lint")
	require.True(t, ok)
	require.Equal(t, want.Stages[0].Tasks[1], got)
	_, ok = plan.Task("package", "lint")
	require.False(t, ok)
	_, ok = plan.Task("nope", "unit")
	require.False(t, ok)
}

func TestNewPlanDoesNotAliasProject(t *testing.T) {
	p := &Project{Project: "p", Build: Build{Stages: []Stage{{Name: "s", Tasks: []Task{
		{Name: "t", Run: "x", RunsOn: []string{"b", "a"}, Artifacts: []Artifact{{Name: "a", Path: "a"}}},
	}}}}}
	plan := NewPlan(p)
	plan.Stages[0].Tasks[0].Artifacts[0].Name = "changed"
	require.Equal(t, "a", p.Build.Stages[0].Tasks[0].Artifacts[0].Name)
	require.Equal(t, []string{"b", "a"}, p.Build.Stages[0].Tasks[0].RunsOn)
}

func TestPlanTaskCountEmpty(t *testing.T) {
	require.Equal(t, 0, Plan{}.TaskCount())
}
