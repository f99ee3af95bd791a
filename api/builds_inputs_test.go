package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

const inputsYAML = `project: demo
inputs:
  - {name: target, type: choice, options: [staging, canary]}
  - {name: dry-run, type: bool, default: true}
  - {name: ticket}
build:
  stages:
    - name: verify
      tasks:
        - {name: smoke, run: ./smoke.sh}
`

// TestCreateBuildWithInputs: values are checked against the declaration
// (400 naming the input), reach every task as INPUT_<NAME> and make a build
// of their own; the defaults are the build of the commit.
func TestCreateBuildWithInputs(t *testing.T) {
	ts := newTestServer()
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(inputsYAML)
	start := func(inputs string) (int, string) {
		rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main", "inputs": `+inputs+`}`)
		return rec.Code, rec.Body.String()
	}

	for _, tt := range []struct{ inputs, message string }{
		{`{"targte": "canary"}`, `input targte: unknown input; the project declares target, dry-run, ticket`},
		{`{"dry-run": "maybe"}`, `input dry-run: must be true or false, not \\"maybe\\"`},
		{`{"target": "prod"}`, `input target: \\"prod\\" is not one of its options: staging, canary`},
		// Go 1.27's encoding/json names the field inputs.target; 1.26's, inputs.
		{`{"target": 1}`, `inputs(\.target)? of type string`},
	} {
		code, body := start(tt.inputs)
		require.Equal(t, http.StatusBadRequest, code, body)
		require.Regexp(t, tt.message, body)
	}
	require.Empty(t, ts.builds.started, "no build starts with bad inputs")

	code, body := start(`{}`)
	require.Equal(t, http.StatusAccepted, code, body)
	plain := decodeBody[CreateBuildResponse](t, []byte(body))
	require.Equal(t, "build/demo/"+testSHA, plain.ID, "the defaults are the commit's build")

	code, body = start(`{"target": "canary", "ticket": "OPS-1 $(id)"}`)
	require.Equal(t, http.StatusAccepted, code, body)
	canary := decodeBody[CreateBuildResponse](t, []byte(body))
	require.Regexp(t, `^build/demo/`+testSHA+`/[0-9a-f]{12}$`, canary.ID)
	in := ts.builds.started[1]
	require.Equal(t, []pipeline.EnvVar{{Name: "dry-run", Value: "true"}, {Name: "target", Value: "canary"}, {Name: "ticket", Value: "OPS-1 $(id)"}}, in.Plan.Inputs)
	require.Equal(t, []pipeline.EnvVar{{Name: "INPUT_DRY_RUN", Value: "true"}, {Name: "INPUT_TARGET", Value: "canary"}, {Name: "INPUT_TICKET", Value: "OPS-1 $(id)"}},
		in.Plan.Stages[0].Tasks[0].Env)
	require.Equal(t, "./smoke.sh", in.Plan.Stages[0].Tasks[0].Run, "values are never written into a script")

	// The same values again find that build; the order of keys does not matter.
	code, body = start(`{"ticket": "OPS-1 $(id)", "target": "canary", "dry-run": "TRUE"}`)
	require.Equal(t, http.StatusOK, code, body)
	again := decodeBody[CreateBuildResponse](t, []byte(body))
	require.True(t, again.Existing)
	require.Equal(t, canary.ID, again.ID)
	require.Len(t, ts.builds.started, 2)
}
