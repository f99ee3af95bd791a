package tests

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// TestBuildWithInputs starts builds of one commit with inputs through the
// API and the runs page's Run form, against a real worker: tasks see the
// values as INPUT_<NAME>, other values make another build, the same values
// find it again, and a value the declaration refuses is a 400 naming it.
func TestBuildWithInputs(t *testing.T) {
	h := newHarness(t, true, withUsers(t, map[string][]string{"alice": {"dev"}}))
	runs := filepath.Join(t.TempDir(), "runs")
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": `project: inputs-demo
inputs:
  - {name: target, type: choice, options: [staging, canary]}
  - {name: dry-run, type: bool, default: true}
  - {name: ticket, description: The change ticket}
build:
  stages:
    - name: smoke
      tasks:
        - name: check
          checkout: false
          run: echo "$INPUT_TARGET $INPUT_DRY_RUN $INPUT_TICKET" >> ` + runs + `
`})
	h.register("inputs-demo", repo, legacyRoles)
	start := func(inputs map[string]string) (int, createResp) {
		var created createResp
		code := h.doAs("alice", http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "HEAD", "branch": "main", "inputs": inputs}, &created)
		return code, created
	}

	code, plain := start(nil)
	require.Equal(t, http.StatusAccepted, code)
	require.Equal(t, contracts.BuildID("inputs-demo", commit), plain.ID, "the defaults are the commit's build, as a push's")
	h.waitFor(plain.ID, time.Minute, "the end", finished)

	// The Run form of the runs page, with inputs.
	c := browser(t)
	status, _ := page(t, c, http.MethodPost, h.api.URL+"/ui/signin",
		url.Values{"csrf": {csrfOf(t, c, h.api.URL+"/signin")}, "token": {"alice-token"}, "next": {"/"}})
	require.Equal(t, http.StatusSeeOther, status)
	status, _ = page(t, c, http.MethodPost, h.api.URL+"/ui/builds", url.Values{
		"csrf": {csrfOf(t, c, h.api.URL+"/")}, "project": {"inputs-demo"}, "branch": {"main"},
		"inputs": {"target=canary\r\nticket=OPS-7 $(touch /tmp/pwned)\r\n"},
	})
	require.Equal(t, http.StatusSeeOther, status)
	code, canary := start(map[string]string{"ticket": "OPS-7 $(touch /tmp/pwned)", "target": "canary"})
	require.Equal(t, http.StatusOK, code, "the same values find the build the form started")
	require.True(t, canary.Existing)
	require.True(t, strings.HasPrefix(canary.ID, plain.ID+"/"), canary.ID)
	final := h.waitFor(canary.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)
	require.Equal(t, []pipeline.EnvVar{{Name: "dry-run", Value: "true"}, {Name: "target", Value: "canary"}, {Name: "ticket", Value: "OPS-7 $(touch /tmp/pwned)"}}, final.Inputs)
	require.NotEqual(t, commit[:12], final.Version, "a version of its own")

	data, err := os.ReadFile(runs)
	require.NoError(t, err)
	require.Equal(t, "staging true \ncanary true OPS-7 $(touch /tmp/pwned)\n", string(data), "two builds, values passed as they are")

	status, body := page(t, c, http.MethodGet, h.api.URL+"/builds/"+url.PathEscape(canary.ID), nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "target=canary")
	_, body = page(t, c, http.MethodGet, h.api.URL+"/?project=inputs-demo", nil)
	require.Contains(t, body, commit[:12]+"/"+contracts.BuildInputsKey(canary.ID, "inputs-demo", commit), "the runs list tells the two builds apart")

	var refused struct {
		Error struct{ Message string } `json:"error"`
	}
	require.Equal(t, http.StatusBadRequest, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "HEAD", "inputs": map[string]string{"target": "prod"}}, &refused))
	require.Equal(t, `input target: "prod" is not one of its options: staging, canary`, refused.Error.Message)
}
