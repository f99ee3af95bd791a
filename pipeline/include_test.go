package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mapFetch serves template files by path, as the build's own files.
func mapFetch(files map[string]string) Fetch {
	return func(_ string, inc Include) (IncludedFile, error) {
		data, ok := files[inc.File]
		if !ok {
			return IncludedFile{}, &IncludeError{Field: "file", Msg: "no " + inc.File}
		}
		return IncludedFile{Source: inc.File, Data: []byte(data)}, nil
	}
}

const goTemplate = `
params:
  version: {default: "1.22"}
  flags: {default: ""}
tasks:
  lint:
    run: "golangci-lint run ${{ with.flags }}"
    env: {GO: "go${{ with.version }}"}
    runs-on: ["go-${{ with.version }}"]
stages:
  test:
    tasks:
      - name: unit
        run: |
          go${{ with.version }} test ./...
`

func TestIncludeParametersNeverAddStructure(t *testing.T) {
	for _, value := range []string{
		"x\nretries: 5\ncheckout: false",
		"{retries: 5}",
		`"]`,
		"*anchor",
		"${{ with.flags }}", // substituted once, never again
	} {
		t.Run(value, func(t *testing.T) {
			def := fmt.Sprintf(`
project: app
include: [{name: go, file: go.yaml, with: {flags: %q}}]
build: {stages: [{name: s, tasks: [{use: go/lint}]}]}
`, value)
			p, err := ParseIncluding("drover.yaml", []byte(def), mapFetch(map[string]string{"go.yaml": goTemplate}))
			require.NoError(t, err)
			task := NewPlan(p).Stages[0].Tasks[0]
			require.Equal(t, "golangci-lint run "+value, task.Run)
			require.Zero(t, task.Retries)
			require.True(t, task.Checkout)
			require.Equal(t, []string{"go-1.22"}, task.RunsOn)
		})
	}
}

func TestIncludeUsesDoNotShareTemplates(t *testing.T) {
	def := `
project: app
include: [{name: go, file: go.yaml, with: {version: "1.23"}}]
build:
  stages:
    - name: s
      tasks:
        - {use: go/lint, name: a, env: {GO: mine, EXTRA: "1"}}
        - {use: go/lint, name: b}
    - use: go/test
    - {use: go/test, name: again}
`
	p, err := ParseIncluding("drover.yaml", []byte(def), mapFetch(map[string]string{"go.yaml": goTemplate}))
	require.NoError(t, err)
	plan := NewPlan(p)
	require.Equal(t, []EnvVar{{"EXTRA", "1"}, {"GO", "mine"}}, plan.Stages[0].Tasks[0].Env)
	require.Equal(t, []EnvVar{{"GO", "go1.23"}}, plan.Stages[0].Tasks[1].Env)
	require.Equal(t, "go.yaml#lint", plan.Stages[0].Tasks[1].From)
	require.Empty(t, plan.Stages[0].From, "a stage written in drover.yaml comes from nowhere")
	for i, name := range []string{"test", "again"} {
		stage := plan.Stages[i+1]
		require.Equal(t, name, stage.Name)
		require.Equal(t, "go.yaml#test", stage.From)
		require.Equal(t, name, stage.Tasks[0].Stage)
		require.Equal(t, "go.yaml#test", stage.Tasks[0].From)
		require.Equal(t, "go1.23 test ./...\n", stage.Tasks[0].Run)
	}
}

func TestIncludeFetchSeesTheIncludingProject(t *testing.T) {
	var asked []string
	fetch := func(project string, inc Include) (IncludedFile, error) {
		asked = append(asked, project+" "+inc.Project+"@"+inc.Ref+":"+inc.File)
		return IncludedFile{Source: "devops@abc:go.yaml", Data: []byte(goTemplate)}, nil
	}
	def := `
project: app
include: [{name: go, project: devops, ref: v1.2.0, file: go.yaml}]
build: {stages: [{use: go/test}]}
`
	p, err := ParseIncluding("drover.yaml", []byte(def), fetch)
	require.NoError(t, err)
	require.Equal(t, []string{"app devops@v1.2.0:go.yaml"}, asked)
	require.Equal(t, "devops@abc:go.yaml#test", NewPlan(p).Stages[0].From)
}

func TestIncludeWithoutFetchIsRefused(t *testing.T) {
	_, err := Parse("drover.yaml", []byte(`
project: app
include: [{name: go, file: go.yaml}]
build: {stages: [{use: go/test}]}
`))
	requireProblems(t, err, problem{line: 3, field: "include[0]", msg: "includes are resolved by the Drover server"})
}

func TestIncludeUseWithoutInclude(t *testing.T) {
	_, err := Parse("drover.yaml", []byte(`
project: app
build: {stages: [{name: s, tasks: [{use: go/lint}]}]}
`))
	requireProblems(t, err, problem{line: 3, field: "build.stages[0].tasks[0].use", msg: `no include is named "go"; the includes are: none`})
}

func TestIncludeFetchFailureIsNotADefinitionError(t *testing.T) {
	down := errors.New("git: connection refused")
	_, err := ParseIncluding("drover.yaml", []byte(`
project: app
include: [{name: go, project: devops, ref: v1, file: go.yaml}]
build: {stages: [{use: go/test}]}
`), func(string, Include) (IncludedFile, error) { return IncludedFile{}, down })
	require.ErrorIs(t, err, down)
	require.Empty(t, AllErrors(err), "an infrastructure failure is not the definition's fault")
}

func TestIncludeLimits(t *testing.T) {
	var includes []string
	for i := range MaxIncludes + 1 {
		includes = append(includes, fmt.Sprintf("{name: t%d, file: go.yaml}", i))
	}
	_, err := ParseIncluding("drover.yaml", []byte(`
project: app
include: [`+strings.Join(includes, ", ")+`]
build: {stages: [{use: t0/test}]}
`), mapFetch(map[string]string{"go.yaml": goTemplate}))
	requireProblems(t, err, problem{line: 3, field: "include", msg: "the number of includes is 11, over the limit of 10"})

	_, err = ParseIncluding("drover.yaml", []byte(`
project: app
include: [{name: go, file: go.yaml, with: {flags: "`+strings.Repeat("x", MaxParamBytes+1)+`"}}]
build: {stages: [{use: go/test}]}
`), mapFetch(map[string]string{"go.yaml": goTemplate}))
	requireProblems(t, err, problem{line: 3, field: "include[0].with.flags", msg: "over the limit of 4096 bytes"})

	big := "tasks:\n  t:\n    run: " + strings.Repeat("x", MaxDefinitionBytes) + "\n"
	_, err = ParseIncluding("drover.yaml", []byte(`
project: app
include: [{name: go, file: big.yaml}]
build: {stages: [{name: s, tasks: [{use: go/t}]}]}
`), mapFetch(map[string]string{"big.yaml": big}))
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "big.yaml", e.File)
	require.Contains(t, e.Msg, "over the limit of 262144 bytes")

	// Each reference adds the value: many references of a long value are
	// refused before they take memory.
	many := "params: {v: {}}\ntasks:\n  t:\n    run: \"" + strings.Repeat("${{ with.v }}", 300) + "\"\n"
	_, err = ParseIncluding("drover.yaml", []byte(`
project: app
include: [{name: go, file: many.yaml, with: {v: "`+strings.Repeat("y", MaxParamBytes)+`"}}]
build: {stages: [{name: s, tasks: [{use: go/t}]}]}
`), mapFetch(map[string]string{"many.yaml": many}))
	require.ErrorAs(t, err, &e)
	require.Equal(t, "many.yaml", e.File)
	require.Contains(t, e.Msg, "the text parameters add to the file is")
}

// TestExampleIncludesTemplates keeps examples/templated (README "Reusable
// templates") true: its drover.yaml, with project devops's templates.
func TestExampleIncludesTemplates(t *testing.T) {
	examples := filepath.Join("..", "examples")
	data, err := os.ReadFile(filepath.Join(examples, "templated", "drover.yaml"))
	require.NoError(t, err)
	p, err := ParseIncluding("drover.yaml", data, func(_ string, inc Include) (IncludedFile, error) {
		dir, source := "templated", inc.File
		if inc.Project != "" {
			require.Equal(t, "devops", inc.Project)
			require.Equal(t, "ci-v1", inc.Ref)
			dir, source = "devops", "devops@abc:"+inc.File
		}
		b, err := os.ReadFile(filepath.Join(examples, dir, filepath.FromSlash(inc.File)))
		return IncludedFile{Source: source, Data: b}, err
	})
	require.NoError(t, err)
	plan := NewPlan(p)
	require.Equal(t, "devops@abc:templates/ci.yaml#checks", plan.Stages[0].From)
	greet, ok := plan.Task("ship", "greet")
	require.True(t, ok)
	require.Equal(t, `echo "hello, templated"`, greet.Run)
	pkg, ok := plan.Task("ship", "package")
	require.True(t, ok)
	require.Equal(t, "ci/tasks.yaml#package", pkg.From)
}

func TestIncludeParametersInAMatrixAndSteps(t *testing.T) {
	tmpl := `
params: {go: {}, target: {}}
tasks:
  test:
    steps:
      - {name: build, run: "go${{ with.go }} build ./..."}
      - {name: test, run: "go${{ with.go }} test ./..."}
    matrix:
      axes:
        os: ["${{ with.target }}", darwin]
`
	p, err := ParseIncluding("drover.yaml", []byte(`
project: app
include: [{name: go, file: go.yaml, with: {go: "1.23", target: "linux"}}]
build: {stages: [{name: s, tasks: [{use: go/test}]}]}
`), mapFetch(map[string]string{"go.yaml": tmpl}))
	require.NoError(t, err)
	tasks := NewPlan(p).Stages[0].Tasks
	require.Len(t, tasks, 2)
	require.Equal(t, "test-linux", tasks[0].Name)
	require.Equal(t, "test-darwin", tasks[1].Name)
	require.Len(t, tasks[0].Steps, 2)
	require.Equal(t, "go1.23 test ./...", tasks[0].Steps[1].Run)
	require.Equal(t, "go.yaml#test", tasks[1].From)
}

// A task given secrets may use another project's task template only at a
// full commit SHA: that project's pushers could otherwise change the
// commands the secrets are handed to by moving the tag. Without secrets,
// or from this repository's own files, a tag is still fine.
func TestIncludeSecretsNeedAPinnedCommit(t *testing.T) {
	fetch := func(_ string, inc Include) (IncludedFile, error) {
		if inc.Project == "" {
			return IncludedFile{Source: inc.File, Data: []byte(goTemplate)}, nil
		}
		return IncludedFile{Source: "devops@0123456789ab:go.yaml", Data: []byte(goTemplate)}, nil
	}
	sha := strings.Repeat("0123456789", 4)
	def := func(ref, secrets string) string {
		return `
project: app
include:
  - {name: go, project: devops, ref: ` + ref + `, file: go.yaml}
  - {name: own, file: ci/go.yaml}
build:
  stages:
    - name: s
      tasks:
        - {use: go/lint` + secrets + `}
        - {use: own/lint, name: own-lint, secrets: [TOKEN]}
`
	}
	_, err := ParseIncluding("drover.yaml", []byte(def("v1.2.0", ", secrets: [TOKEN]")), fetch)
	requireProblems(t, err, problem{line: 10, field: "build.stages[0].tasks[0].secrets",
		msg: `a task given secrets uses another project's template only at a full commit SHA: include[0] pins devops@0123456789ab:go.yaml at tag "v1.2.0", which that project's pushers can move`})

	p, err := ParseIncluding("drover.yaml", []byte(def(sha, ", secrets: [TOKEN]")), fetch)
	require.NoError(t, err)
	require.Equal(t, []SecretRef{{Name: "TOKEN"}}, p.Build.Stages[0].Tasks[0].Secrets)
	_, err = ParseIncluding("drover.yaml", []byte(def("v1.2.0", "")), fetch)
	require.NoError(t, err, "a tag is fine for a task without secrets")
}
