package tests

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// withProjects registers projects (the entries of a projects file) on the
// API, without an identity file.
func withProjects(t *testing.T, projects string) harnessOption {
	reg, err := registry.Parse("projects.yaml", []byte("projects:\n"+projects))
	require.NoError(t, err)
	return func(s *api.Server) { s.Registry = reg }
}

// TestIncludeOfAnotherRegisteredProjectsTemplate builds project app, whose
// drover.yaml includes a task template of project devops (another real
// repository) at a pinned commit and at a tag: the build runs the template's task as it
// was at that commit, with app's parameters, and its state says where the
// task came from. An include of a project the projects file does not
// register is refused before any workflow starts.
func TestIncludeOfAnotherRegisteredProjectsTemplate(t *testing.T) {
	devops, pinned := gitRepo(t, map[string]string{"templates/ci.yaml": `params:
  who: {}
  greeting: {default: hello}
tasks:
  greet:
    run: echo "${{ with.greeting }} from ${{ with.who }} (template v1)"
    timeout: 1m
`})
	git(t, devops, "tag", "v1.0.0")
	// devops moves on after app pinned it: app's builds keep running v1.
	commitFiles(t, devops, map[string]string{"templates/ci.yaml": `params: {who: {}}
tasks:
  greet: {run: echo "template v2"}
`})
	app, _ := gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(`project: app
include:
  - name: ci
    project: devops
    ref: %s
    file: templates/ci.yaml
    with: {who: app}
  - {name: tagged, project: devops, ref: v1.0.0, file: templates/ci.yaml, with: {who: tag, greeting: hi}}
build:
  stages:
    - name: check
      tasks:
        - use: ci/greet
        - {use: tagged/greet, name: greet-tagged}
        - name: own
          run: echo own
`, pinned)})
	rogue, _ := gitRepo(t, map[string]string{"drover.yaml": `project: rogue
include:
  - {name: ci, project: stranger, ref: v1.0.0, file: templates/ci.yaml}
build: {stages: [{name: check, tasks: [{use: ci/greet}]}]}
`})
	h := newHarness(t, true, withProjects(t, fmt.Sprintf(`  - {name: app, paths: [%q]}
  - {name: devops, paths: [%q], share_templates_with: [app]}
  - {name: rogue, paths: [%q]}
`, app, devops, rogue)))

	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": app, "commit": "main"}, &created))
	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)
	greet := taskOf(final, "check", "greet")
	require.Contains(t, greet.OutputTail, "hello from app (template v1)")
	require.NotContains(t, greet.OutputTail, "v2")
	require.Equal(t, "devops@"+pinned[:12]+":templates/ci.yaml#greet", greet.From)
	tagged := taskOf(final, "check", "greet-tagged")
	require.Contains(t, tagged.OutputTail, "hi from tag (template v1)")
	require.Equal(t, greet.From, tagged.From, "a tag is read at the commit it names")
	require.Empty(t, taskOf(final, "check", "own").From, "a task of drover.yaml itself comes from no template")

	var refused struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.Equal(t, http.StatusBadRequest, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": rogue, "commit": "main"}, &refused))
	require.Equal(t, "bad_definition", refused.Error.Code)
	require.Equal(t, "drover.yaml:3:16: include[0].project: project stranger is not registered: only registered projects' repositories are included",
		refused.Error.Message)
}

// TestTemplatesExampleBuilds runs the README's "Reusable templates"
// example: examples/templated includes examples/devops's templates at its
// tag ci-v1 and a file of its own.
func TestTemplatesExampleBuilds(t *testing.T) {
	devops, pinned := exampleRepo(t, "devops", filepath.Join(t.TempDir(), "devops"))
	git(t, devops, "tag", "ci-v1")
	repo, _ := exampleRepo(t, "templated", filepath.Join(t.TempDir(), "templated"))
	h := newHarness(t, true, withProjects(t, fmt.Sprintf(`  - {name: devops, paths: [%q], share_templates_with: [templated]}
  - {name: templated, paths: [%q]}
`, devops, repo)))

	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main"}, &created))
	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)
	from := "devops@" + pinned[:12] + ":templates/ci.yaml#"
	require.Equal(t, from+"checks", final.Stages[0].From)
	for task, want := range map[string]string{"greet": from + "greet", "package": "ci/tasks.yaml#package", "own": ""} {
		require.Equal(t, want, taskOf(final, "ship", task).From, task)
	}
	require.Contains(t, taskOf(final, "ship", "greet").OutputTail, "hello, templated")
	require.Len(t, taskOf(final, "ship", "package").Artifacts, 1)
}
