package pipeline

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// problem is what a test expects of one *Error.
type problem struct {
	line, col int // col 0 means any column
	field     string
	msg       string // a fragment of Msg
}

// requireProblems checks that err holds exactly the wanted problems, in order.
func requireProblems(t *testing.T, err error, want ...problem) {
	t.Helper()
	require.Error(t, err)
	got := AllErrors(err)
	require.Len(t, got, len(want), "problems: %v", err)
	for i, w := range want {
		require.Equal(t, "drover.yaml", got[i].File)
		require.Equal(t, w.line, got[i].Line, "line of %v", got[i])
		if w.col != 0 {
			require.Equal(t, w.col, got[i].Column, "column of %v", got[i])
		}
		require.Equal(t, w.field, got[i].Field, "field of %v", got[i])
		require.Contains(t, got[i].Msg, w.msg)
	}
}

func TestValidateBuild(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want problem
	}{
		{"project missing", `
build: {stages: [{name: s, tasks: [{name: t, run: x}]}]}`,
			problem{2, 1, "project", "required"}},
		{"project with slash", `
project: acme/foas
build: {stages: [{name: s, tasks: [{name: t, run: x}]}]}`,
			problem{2, 1, "project", `invalid name "acme/foas"`}},
		{"project uppercase", `
project: Foas
build: {stages: [{name: s, tasks: [{name: t, run: x}]}]}`,
			problem{2, 1, "project", `invalid name "Foas"`}},
		{"project too long", `
project: a123456789012345678901234567890123456789012345678901234567890123
build: {stages: [{name: s, tasks: [{name: t, run: x}]}]}`,
			problem{2, 1, "project", "1 to 63"}},
		{"no build", `
project: p`,
			problem{2, 1, "build.stages", "at least one stage"}},
		{"no stages", `
project: p
build:
  stages: []`,
			problem{4, 3, "build.stages", "at least one stage"}},
		{"stage name missing", `
project: p
build:
  stages:
    - tasks: [{name: t, run: x}]`,
			problem{5, 7, "build.stages[0].name", "required"}},
		{"stage name invalid", `
project: p
build:
  stages:
    - name: "-lint"
      tasks: [{name: t, run: x}]`,
			problem{5, 7, "build.stages[0].name", `invalid name "-lint"`}},
		{"stage name duplicate", `
project: p
build:
  stages:
    - {name: s, tasks: [{name: t, run: x}]}
    - name: s
      tasks: [{name: t, run: x}]`,
			problem{6, 7, "build.stages[1].name", `duplicate stage name "s", first used at build.stages[0].name`}},
		{"stage empty", `
project: p
build:
  stages:
    - name: s
      tasks: []`,
			problem{6, 7, "build.stages[0].tasks", "at least one task"}},
		{"stage without tasks key", `
project: p
build:
  stages:
    - name: s`,
			problem{5, 7, "build.stages[0].tasks", "at least one task"}},
		{"task name missing", `
project: p
build:
  stages:
    - name: s
      tasks:
        - run: x`,
			problem{7, 11, "build.stages[0].tasks[0].name", "required"}},
		{"task name invalid", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: Unit Tests
          run: x`,
			problem{7, 11, "build.stages[0].tasks[0].name", `invalid name "Unit Tests"`}},
		{"task name duplicate in stage", `
project: p
build:
  stages:
    - name: s
      tasks:
        - {name: t, run: x}
        - {name: t, run: y}`,
			problem{8, 12, "build.stages[0].tasks[1].name", `duplicate task name "t"`}},
		{"run missing", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t`,
			problem{7, 11, "build.stages[0].tasks[0].run", "required"}},
		{"run blank", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: "  "`,
			problem{8, 11, "build.stages[0].tasks[0].run", "required"}},
		{"timeout zero", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          timeout: 0s`,
			problem{9, 11, "build.stages[0].tasks[0].timeout", "must be more than 0"}},
		{"timeout negative", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          timeout: -1m`,
			problem{9, 11, "build.stages[0].tasks[0].timeout", "must be more than 0"}},
		{"timeout above a day", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          timeout: 24h1s`,
			problem{9, 11, "build.stages[0].tasks[0].timeout", "must be at most 24h"}},
		{"retries negative", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          retries: -1`,
			problem{9, 11, "build.stages[0].tasks[0].retries", "must be 0 or more"}},
		{"retries above ten", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          retries: 11`,
			problem{9, 11, "build.stages[0].tasks[0].retries", "must be at most 10"}},
		{"runs-on label invalid", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          runs-on:
            - linux
            - GPU`,
			problem{11, 15, "build.stages[0].tasks[0].runs-on[1]", `invalid label "GPU"`}},
		{"env name not an identifier", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          env:
            GOOD: 1
            BAD-NAME: 2`,
			problem{11, 13, "build.stages[0].tasks[0].env.BAD-NAME", `invalid variable name "BAD-NAME"`}},
		{"env name reserved", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          env:
            DROVER_COMMIT: abc`,
			problem{10, 13, "build.stages[0].tasks[0].env.DROVER_COMMIT", "reserved for Drover"}},
		{"artifact name missing", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          artifacts:
            - path: dist/a`,
			problem{10, 15, "build.stages[0].tasks[0].artifacts[0].name", "required"}},
		{"artifact name duplicate", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          artifacts:
            - {name: a, path: dist/a}
            - {name: a, path: dist/b}`,
			problem{11, 16, "build.stages[0].tasks[0].artifacts[1].name", `duplicate artifact name "a"`}},
		{"artifact path missing", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          artifacts:
            - name: a`,
			problem{10, 15, "build.stages[0].tasks[0].artifacts[0].path", "required"}},
		{"artifact path absolute", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          artifacts:
            - name: a
              path: /etc/passwd`,
			problem{11, 15, "build.stages[0].tasks[0].artifacts[0].path", "must be relative to the workspace"}},
		{"artifact path escapes", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          artifacts:
            - name: a
              path: dist/../../secret`,
			problem{11, 15, "build.stages[0].tasks[0].artifacts[0].path", "must stay inside the workspace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("drover.yaml", []byte(tt.yaml))
			requireProblems(t, err, tt.want)
		})
	}
}

func TestValidateReportsEveryProblemInOrder(t *testing.T) {
	src := `project: Bad/Name
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          retries: 99
    - name: s
      tasks:
        - name: u
`
	_, err := Parse("drover.yaml", []byte(src))
	requireProblems(t, err,
		problem{1, 1, "project", "invalid name"},
		problem{8, 11, "build.stages[0].tasks[0].retries", "must be at most 10"},
		problem{9, 7, "build.stages[1].name", "duplicate stage name"},
		problem{11, 11, "build.stages[1].tasks[0].run", "required"},
	)
	require.Equal(t, `drover.yaml:8:11: build.stages[0].tasks[0].retries: must be at most 10`, AllErrors(err)[1].Error())
}

func TestValidateAcceptsEdgeValues(t *testing.T) {
	src := `project: a.b_c-1
build:
  stages:
    - name: "0"
      fail_fast: true
      tasks:
        - name: t.1
          run: x
          timeout: 24h
          retries: 10
          runs-on: [linux, x86_64, gpu.large]
          checkout: false
          env: {_X: "1", lower_ok: y}
          artifacts:
            - {name: report, path: ./out/../report.html}
            - {name: all, path: .}
`
	p, err := Parse("drover.yaml", []byte(src))
	require.NoError(t, err)
	require.Equal(t, "a.b_c-1", p.Project)
}
