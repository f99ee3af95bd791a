package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/registry"
)

const (
	devopsRepo  = "/srv/repos/devops"
	devopsSHA   = "fedcba9876543210fedcba9876543210fedcba98"
	goTemplates = `params:
  version: {default: "1.22"}
tasks:
  lint:
    run: go${{ with.version }} vet ./...
`
)

// includeServer serves project demo (testRepo) whose drover.yaml includes
// templates of project devops; shares is devops' share_templates_with.
func includeServer(t *testing.T, shares string) *testServer {
	t.Helper()
	ts := newTestServer()
	r, err := registry.Parse("projects.yaml", []byte(`projects:
  - name: demo
    paths: ["`+testRepo+`"]
  - name: devops
    paths: ["`+devopsRepo+`"]
    share_templates_with: `+shares+`
  - name: secretive
    paths: [/srv/repos/secretive]
`))
	require.NoError(t, err)
	ts.Registry = r
	ts.source.refs[devopsRepo+"@"+devopsSHA] = devopsSHA
	ts.source.refs[devopsRepo+"@refs/tags/v1.0.0"] = devopsSHA
	ts.source.refs[devopsRepo+"@main"] = devopsSHA // a branch: never used by an include
	ts.source.files[devopsRepo+"@"+devopsSHA+":templates/go.yaml"] = []byte(goTemplates)
	ts.source.files[testRepo+"@"+testSHA+":ci/local.yaml"] = []byte("tasks:\n  hello: {run: echo hello}\n")
	return ts
}

// buildWith posts a build of testRepo whose drover.yaml includes include.
func buildWith(t *testing.T, ts *testServer, include string) (int, string) {
	t.Helper()
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(`project: demo
include:
` + include + `
build:
  stages:
    - name: check
      tasks:
        - use: go/lint
`)
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main"}`)
	return rec.Code, rec.Body.String()
}

func TestBuildIncludesARegisteredProjectsTemplate(t *testing.T) {
	for _, ref := range []string{devopsSHA, "v1.0.0"} {
		ts := includeServer(t, "[demo]")
		code, body := buildWith(t, ts, "  - {name: go, project: devops, ref: "+ref+", file: templates/go.yaml, with: {version: \"1.23\"}}")
		require.Equal(t, http.StatusAccepted, code, body)
		task := ts.builds.started[0].Plan.Stages[0].Tasks[0]
		require.Equal(t, "lint", task.Name)
		require.Equal(t, "go1.23 vet ./...", task.Run)
		require.Equal(t, "devops@"+devopsSHA[:12]+":templates/go.yaml#lint", task.From)
	}
}

func TestBuildIncludesItsOwnFile(t *testing.T) {
	ts := includeServer(t, "[]")
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(`project: demo
include: [{name: local, file: ci/local.yaml}]
build: {stages: [{name: s, tasks: [{use: local/hello}]}]}
`)
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main"}`)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "ci/local.yaml#hello", ts.builds.started[0].Plan.Stages[0].Tasks[0].From)
}

func TestBuildIncludeRefusals(t *testing.T) {
	for _, tt := range []struct {
		name, shares, include, message string
	}{
		{"unregistered project", "[demo]", "  - {name: go, project: stranger, ref: v1.0.0, file: templates/go.yaml}",
			"drover.yaml:3:16: include[0].project: project stranger is not registered: only registered projects' repositories are included"},
		{"not shared", "[]", "  - {name: go, project: devops, ref: v1.0.0, file: templates/go.yaml}",
			"include[0].project: project devops does not share its templates with project demo"},
		{"a branch", "['*']", "  - {name: go, project: devops, ref: main, file: templates/go.yaml}",
			`include[0].ref: \"main\" is not a tag or a full commit SHA of project devops (a branch is not allowed`},
		{"a short SHA", "['*']", "  - {name: go, project: devops, ref: " + devopsSHA[:7] + ", file: templates/go.yaml}",
			"is not a tag or a full commit SHA of project devops"},
		{"missing file", "['*']", "  - {name: go, project: devops, ref: v1.0.0, file: templates/rust.yaml}",
			"include[0].file: no templates/rust.yaml in project devops at " + devopsSHA[:12]},
		{"missing own file", "['*']", "  - {name: go, file: ci/go.yaml}",
			"include[0].file: no ci/go.yaml in this repository at " + testSHA[:12]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := includeServer(t, tt.shares)
			code, body := buildWith(t, ts, tt.include)
			require.Equal(t, http.StatusBadRequest, code, body)
			require.Contains(t, body, `"code":"bad_definition"`)
			require.Contains(t, body, tt.message)
			require.NotContains(t, body, "/srv/repos", "no server path in the answer")
			require.Empty(t, ts.builds.started)
		})
	}
}

func TestIncludeNeedsTheIncludingRepositoryRegistered(t *testing.T) {
	// A definition claiming project devops from another repository reads
	// nothing of devops, even though devops shares with itself.
	ts := includeServer(t, "[]")
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(`project: devops
include: [{name: go, project: devops, ref: v1.0.0, file: templates/go.yaml}]
build: {stages: [{name: s, tasks: [{use: go/lint}]}]}
`)
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main"}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "this repository is not registered for project devops")
}

func TestIncludeOfAProjectWithoutAProjectsFile(t *testing.T) {
	ts := newTestServer()
	code, body := buildWith(t, ts, "  - {name: go, project: devops, ref: v1.0.0, file: templates/go.yaml}")
	require.Equal(t, http.StatusBadRequest, code, body)
	require.Contains(t, body, "needs a projects file (DROVER_PROJECTS_FILE)")
}

func TestGivenDefinitionIncludesNoFileOfItsOwn(t *testing.T) {
	ts := includeServer(t, "[]")
	_, err := ts.promotionDefinition(t.Context(), "demo", []byte(strings.TrimSpace(`
project: demo
include: [{name: local, file: ci/local.yaml}]
build: {stages: [{name: s, tasks: [{use: local/hello}]}]}
promotion: {environments: [{name: prod, deploy: {shell: ./deploy.sh}}]}
`)), "given", "", "")
	require.ErrorContains(t, err, "a definition given by hand has no repository to read ci/local.yaml from")
}

// A ref spelled as a full commit SHA (SHA-1 or SHA-256) pins the file at
// that very commit: it is never read as a tag of that name (which the
// other project's pushers could move), nor at what it resolves to when
// that is another commit.
func TestBuildIncludePinnedRefIsReadAtThatCommit(t *testing.T) {
	long, other := strings.Repeat("ab", 32), strings.Repeat("cd", 20)
	ts := includeServer(t, "['*']")
	ts.source.refs[devopsRepo+"@refs/tags/"+long] = devopsSHA // a tag spelled like a SHA-256
	ts.source.refs[devopsRepo+"@"+other] = devopsSHA          // a ref that is not that commit
	for _, ref := range []string{long, other} {
		code, body := buildWith(t, ts, "  - {name: go, project: devops, ref: "+ref+", file: templates/go.yaml}")
		require.Equal(t, http.StatusBadRequest, code, body)
		require.Contains(t, body, "is not a tag or a full commit SHA of project devops")
	}
	require.Empty(t, ts.builds.started)
}
