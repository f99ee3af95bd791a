package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want problem
	}{
		{"empty file", ``, problem{1, 1, "", "empty definition"}},
		{"only comments", "# nothing here\n", problem{1, 1, "", "empty definition"}},
		{"not a mapping", "- project: p\n", problem{1, 1, "", "must be a mapping with project and build, not a sequence"}},
		{"scalar document", "hello\n", problem{1, 1, "", "not a string"}},
		{"two documents", "project: p\n---\nproject: q\n", problem{3, 1, "", "single YAML document"}},
		{"unknown top-level field", "project: p\nversion: 2\n", problem{2, 1, "version", `unknown field "version"`}},
		{"unknown task field", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          timout: 5m`, problem{9, 11, "build.stages[0].tasks[0].timout", `unknown field "timout"`}},
		{"retries not a number", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          retries: many`, problem{9, 11, "build.stages[0].tasks[0].retries", `must be an integer, got "many"`}},
		{"checkout not a bool", `
project: p
build:
  stages:
    - name: s
      tasks: [{name: t, run: x, checkout: sometimes}]`, problem{6, 33, "build.stages[0].tasks[0].checkout", `must be true or false, got "sometimes"`}},
		{"bad duration", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          timeout: 10 minutes`, problem{9, 11, "build.stages[0].tasks[0].timeout", `invalid duration "10 minutes"`}},
		{"duration without unit", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          timeout: 600`, problem{9, 11, "build.stages[0].tasks[0].timeout", "a number needs a unit"}},
		{"env as a list", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          env: [A=1]`, problem{9, 11, "build.stages[0].tasks[0].env", "must be a mapping, not a sequence"}},
		{"stages as a mapping", `
project: p
build:
  stages:
    name: s`, problem{4, 3, "build.stages", "must be a sequence, not a mapping"}},
		{"deploy kind mistyped", `
project: p
build: {stages: [{name: s, tasks: [{name: t, run: x}]}]}
promotion:
  environments:
    - name: dev
      deploy: {sh: ./deploy.sh}`, problem{7, 16, "promotion.environments[0].deploy.sh", `unknown field "sh"`}},
		{"duplicate key", `
project: p
project: q`, problem{3, 1, "project", `mapping key "project" already defined`}},
		{"duplicate task key", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: x
          run: y`, problem{9, 11, "build.stages[0].tasks[0].run", `mapping key "run" already defined`}},
		{"unterminated quote", `
project: p
build:
  stages:
    - name: s
      tasks:
        - name: t
          run: "echo hi`, problem{8, 16, "build.stages[0].tasks[0].run", "double-quoted"}},
		{"unclosed flow sequence", `
project: p
build:
  stages: [{name: s, tasks: [{name: t, run: x}]}`, problem{4, 11, "build.stages", "']' not found"}},
		{"tab indentation", "project: p\nbuild:\n\tstages: []\n", problem{3, 1, "build", "cannot start any token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("drover.yaml", []byte(tt.yaml))
			require.Nil(t, p)
			var one *Error
			require.True(t, errors.As(err, &one), "error %v (%T) is not a *Error", err, err)
			requireProblems(t, err, tt.want)
		})
	}
}

func TestParseReportsEveryUnknownFieldInOrder(t *testing.T) {
	src := `project: p
build:
  stages:
    - name: s
      tasks:
        - {name: t, run: x, zeta: 1, alpha: 2, beta: 3}
`
	_, err := Parse("drover.yaml", []byte(src))
	requireProblems(t, err,
		problem{6, 29, "build.stages[0].tasks[0].zeta", `unknown field "zeta"; known fields: name, run, timeout`},
		problem{6, 38, "build.stages[0].tasks[0].alpha", `unknown field "alpha"`},
		problem{6, 48, "build.stages[0].tasks[0].beta", `unknown field "beta"`},
	)
}

func TestParseAnchorsAndAliases(t *testing.T) {
	src := `project: p
build:
  stages:
    - name: s
      tasks:
        - &base {name: a, run: make, env: {GOFLAGS: -mod=mod}}
        - {<<: *base, name: b}
        - {name: c, <<: *base}
`
	p, err := Parse("drover.yaml", []byte(src))
	require.NoError(t, err)
	tasks := p.Build.Stages[0].Tasks
	require.Len(t, tasks, 3)
	require.Equal(t, "b", tasks[1].Name)
	require.Equal(t, "c", tasks[2].Name)
	require.Equal(t, "make", tasks[1].Run)
	require.Equal(t, map[string]string{"GOFLAGS": "-mod=mod"}, tasks[1].Env)
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "drover.yaml")
	require.NoError(t, os.WriteFile(good, []byte("project: p\nbuild:\n  stages: [{name: s, tasks: [{name: t, run: x}]}]\n"), 0o644))
	p, err := LoadFile(good)
	require.NoError(t, err)
	require.Equal(t, "p", p.Project)

	bad := filepath.Join(dir, "other.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("project: p\n"), 0o644))
	_, err = LoadFile(bad)
	require.EqualError(t, err, "other.yaml:1:1: build.stages: at least one stage is required")

	_, err = LoadFile(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Nil(t, AllErrors(err))
}
