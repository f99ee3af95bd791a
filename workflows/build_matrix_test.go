package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

// matrixPlan is the plan of a drover.yaml whose verify stage holds a 2×3
// matrix of unit tasks and a lint task.
func matrixPlan(t *testing.T, failFast bool) pipeline.Plan {
	t.Helper()
	p, err := pipeline.Parse("drover.yaml", []byte(`
project: demo
build:
  stages:
    - name: verify
      fail_fast: `+map[bool]string{true: "true", false: "false"}[failFast]+`
      tasks:
        - name: unit
          run: go test ./...
          retries: 1
          matrix:
            axes: {go: ["1.22", "1.23"], os: [linux, arm, darwin]}
        - name: lint
          run: golangci-lint run
    - name: package
      tasks:
        - {name: tarball, run: make dist}
`))
	require.NoError(t, err)
	return pipeline.NewPlan(p)
}

func TestBuildRunsEachMatrixCombinationAsItsOwnTask(t *testing.T) {
	be := newBuildEnv(t, map[string][]string{"verify/unit-1.23-arm": {outcomeFail, outcomeOK}})
	state, err := be.run(t, matrixPlan(t, false))
	require.NoError(t, err)

	want := map[string]TaskStatus{"verify/lint": TaskSucceeded, "package/tarball": TaskSucceeded}
	for _, g := range []string{"1.22", "1.23"} {
		for _, os := range []string{"linux", "arm", "darwin"} {
			name := "verify/unit-" + g + "-" + os
			want[name] = TaskSucceeded
			require.Equal(t, []pipeline.EnvVar{{Name: "MATRIX_GO", Value: g}, {Name: "MATRIX_OS", Value: os}},
				be.tasks.inputs[name].Task.Env, name)
			if name == "verify/unit-1.23-arm" {
				require.Equal(t, 2, be.tasks.callCount(name), "a combination retries on its own")
			} else {
				require.Equal(t, 1, be.tasks.callCount(name), name)
			}
		}
	}
	require.Equal(t, want, taskStatuses(state))
	require.Len(t, be.ledger.finished[0].Tasks, 8)
}

func TestBuildMatrixCombinationFailingFastCancelsTheOthers(t *testing.T) {
	script := map[string][]string{"verify/lint": {outcomeBlock}, "verify/unit-1.22-arm": {outcomeFail}}
	for _, ts := range matrixPlan(t, true).Stages[0].Tasks {
		if _, ok := script["verify/"+ts.Name]; !ok {
			script["verify/"+ts.Name] = []string{outcomeBlock}
		}
	}
	be := newBuildEnv(t, script)
	state, err := be.run(t, matrixPlan(t, true))
	require.Error(t, err)
	require.Equal(t, StatusFailed, state.Status)
	statuses := taskStatuses(state)
	require.Equal(t, TaskFailed, statuses["verify/unit-1.22-arm"])
	require.Equal(t, 2, be.tasks.callCount("verify/unit-1.22-arm"), "its retry ran before the stage gave up")
	for name, status := range statuses {
		switch name {
		case "verify/unit-1.22-arm":
		case "package/tarball":
			require.Equal(t, TaskSkipped, status)
		default:
			require.Equal(t, TaskCancelled, status, name)
		}
	}
	require.Len(t, statuses, 8)
}
