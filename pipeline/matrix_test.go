package pipeline

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMatrixIncludeFollowsGitHubActions checks the example of GitHub
// Actions' documentation of strategy.matrix.include: an include entry adds
// its other keys to every combination it matches without changing an axis
// value, and is a combination of its own when it matches none.
func TestMatrixIncludeFollowsGitHubActions(t *testing.T) {
	p, err := Parse("drover.yaml", []byte(`
project: demo
build:
  stages:
    - name: test
      tasks:
        - name: t
          run: "true"
          matrix:
            axes: {fruit: [apple, pear], animal: [cat, dog]}
            include:
              - {color: green}
              - {color: pink, animal: cat}
              - {fruit: apple, shape: circle}
              - {fruit: banana}
              - {fruit: banana, animal: cat}
`))
	require.NoError(t, err)
	got := map[string]map[string]string{}
	var names []string
	for _, task := range NewPlan(p).Stages[0].Tasks {
		require.Equal(t, "t", task.MatrixOf)
		values := map[string]string{}
		for _, v := range task.Matrix {
			values[v.Name] = v.Value
		}
		got[task.Name] = values
		names = append(names, task.Name)
	}
	require.Equal(t, []string{"t-apple-cat", "t-apple-dog", "t-pear-cat", "t-pear-dog", "t-banana", "t-banana-cat"}, names)
	require.Equal(t, map[string]map[string]string{
		"t-apple-cat":  {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
		"t-apple-dog":  {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
		"t-pear-cat":   {"fruit": "pear", "animal": "cat", "color": "pink"},
		"t-pear-dog":   {"fruit": "pear", "animal": "dog", "color": "green"},
		"t-banana":     {"fruit": "banana"},
		"t-banana-cat": {"fruit": "banana", "animal": "cat"},
	}, got)
}

func TestMatrixExcludeMatchesPartially(t *testing.T) {
	m := Matrix{
		Axes:    MatrixAxes{{Name: "go", Values: []Scalar{"1.22", "1.23"}}, {Name: "os", Values: []Scalar{"linux", "arm", "darwin"}}},
		Exclude: []MatrixCombination{{"os": "arm"}, {"go": "1.22", "os": "darwin"}},
	}
	var names []string
	for _, c := range m.expand("unit") {
		names = append(names, c.name)
	}
	require.Equal(t, []string{"unit-1.22-linux", "unit-1.23-linux", "unit-1.23-darwin"}, names)
}

func TestMatrixCountsTowardsMaxTasks(t *testing.T) {
	_, err := Parse("drover.yaml", []byte(`
project: demo
build:
  stages:
    - name: test
      tasks:
        - {name: a, run: "true", matrix: {axes: {x: [1, 2, 3, 4, 5, 6, 7, 8], y: [1, 2, 3, 4, 5, 6, 7, 8]}}}
        - {name: b, run: "true", matrix: {axes: {x: [1, 2, 3, 4, 5, 6, 7, 8], y: [1, 2, 3, 4, 5, 6, 7, 8]}}}
        - {name: c, run: "true", matrix: {axes: {x: [1, 2, 3, 4, 5, 6, 7, 8], y: [1, 2, 3, 4, 5, 6, 7, 8]}}}
        - {name: d, run: "true", matrix: {axes: {x: [1, 2, 3, 4, 5, 6, 7, 8, 9]}}}
`))
	require.EqualError(t, err, "drover.yaml:4:3: build.stages: the number of tasks is 201, counting each combination of a matrix, over the limit of 200")
}

// TestMatrixOfTheReadme checks the example of the README's Matrix section.
func TestMatrixOfTheReadme(t *testing.T) {
	p, err := Parse("drover.yaml", []byte(`
project: demo
build:
  stages:
    - name: test
      fail_fast: true
      tasks:
        - name: unit
          run: go test ./... -tags "$MATRIX_OS"
          matrix:
            axes:
              go: ["1.22", "1.23"]
              os: [linux, arm]
            exclude:
              - {go: "1.22", os: arm}
            include:
              - {go: "1.24", os: linux}
              - {os: linux, race: "true"}
`))
	require.NoError(t, err)
	env := map[string][]EnvVar{}
	var names []string
	for _, task := range NewPlan(p).Stages[0].Tasks {
		names = append(names, task.Name)
		env[task.Name] = task.Env
	}
	require.Equal(t, []string{"unit-1.22-linux", "unit-1.23-linux", "unit-1.23-arm", "unit-1.24-linux"}, names)
	require.Equal(t, []EnvVar{{Name: "MATRIX_GO", Value: "1.23"}, {Name: "MATRIX_OS", Value: "linux"}, {Name: "MATRIX_RACE", Value: "true"}}, env["unit-1.23-linux"])
	require.Equal(t, []EnvVar{{Name: "MATRIX_GO", Value: "1.24"}, {Name: "MATRIX_OS", Value: "linux"}}, env["unit-1.24-linux"])
}

func TestMatrixLabelPicksTheWorkersOfEachCombination(t *testing.T) {
	p, err := Parse("drover.yaml", []byte(`
project: demo
build:
  stages:
    - name: test
      tasks:
        - name: unit
          run: go test ./...
          runs-on: ["${{ matrix.os }}"]   # unit-linux on workers labelled linux, unit-arm on arm
          matrix:
            axes: {os: [linux, arm]}
`))
	require.NoError(t, err)
	tasks := NewPlan(p).Stages[0].Tasks
	require.Equal(t, "unit-linux", tasks[0].Name)
	require.Equal(t, []string{"linux"}, tasks[0].RunsOn)
	require.Equal(t, "unit-arm", tasks[1].Name)
	require.Equal(t, []string{"arm"}, tasks[1].RunsOn)
}
