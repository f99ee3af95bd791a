package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
)

// pipelinesYAML defines promotion types and named pipelines.
const pipelinesYAML = goodYAML + `promotion:
  types:
    manual:
      approval: {approvers: ["group:release"], required: 1}
    status-check:
      verify:
        - http: {url: "https://foas.example.com/healhcheck", within: 15s}
  pipelines:
    devtoprod: [dev, integ, prod]
    hotfix: [integ, prod]
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh dev}
    - name: integ
      uses: [status-check]
      deploy: {shell: ./deploy.sh integ}
    - name: prod
      uses: [manual, status-check]
      deploy: {shell: ./deploy.sh prod}
`

// TestPromoteAlongANamedPipeline: POST /api/v1/promotions with a pipeline
// promotes through that pipeline's environments only, with the gates of
// the promotion types they use; an unknown pipeline is a 404.
func TestPromoteAlongANamedPipeline(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(pipelinesYAML)
	ts.pledger.versions["demo/1.0"] = ledger.ArtifactVersion{Project: "demo", Version: "1.0", Commit: testSHA, Branch: "main",
		CreatedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	ts.pledger.projects = []ledger.Project{{Name: "demo", Repository: testRepo}}
	auth := []string{"Authorization", "Bearer " + bobToken}

	rec := ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0", "pipeline": "nope"}`, auth...)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	require.Equal(t, `project demo has no pipeline "nope"`, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)

	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0", "pipeline": "hotfix"}`, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	in := ts.promotions.started[len(ts.promotions.started)-1]
	require.Len(t, in.Environments, 2)
	require.Equal(t, "integ", in.Environments[0].Name)
	require.Nil(t, in.Environments[0].Approval)
	require.Equal(t, "status-check", in.Environments[0].Verify[0].From)
	prod := in.Environments[1]
	require.Equal(t, "prod", prod.Name)
	require.NotNil(t, prod.Approval, "the manual type's approval gates prod")
	require.Equal(t, []string{"group:release"}, prod.Approval.Approvers)
	require.NotNil(t, in.Plan)
	require.Len(t, in.Plan.Environments, 2, "the plan is compiled from the pipeline's environments")
	require.NotNil(t, in.Plan.Environments[1].Approval)
}

// TestRegisterArtifactAlongANamedPipeline: a version registered through
// POST /api/v1/artifacts with a pipeline is promoted along it; an unknown
// pipeline registers nothing.
func TestRegisterArtifactAlongANamedPipeline(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	auth := []string{"Authorization", "Bearer " + aliceToken}
	body := func(version, pipelineName string) string {
		return `{"project": "demo", "version": "` + version + `", "commit": "` + testSHA + `", "branch": "main", "repository": "` + testRepo + `",
			"artifacts": [{"name": "app.tgz", "key": "blobs/app.tgz", "sha256": "` + checksum + `", "size": 42}],
			"pipeline": "` + pipelineName + `", "definition": ` + jsonString(pipelinesYAML) + `}`
	}
	rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", body("1.0", "nope"), auth...)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	require.Empty(t, ts.promotions.started)
	_, registered := ts.pledger.versions["demo/1.0"]
	require.False(t, registered, "an unknown pipeline registers nothing")

	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", body("1.0", "hotfix"), auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	in := ts.promotions.started[len(ts.promotions.started)-1]
	require.Len(t, in.Environments, 2)
	require.Equal(t, "integ", in.Environments[0].Name)
	require.Equal(t, "prod", in.Environments[1].Name)
	require.NotNil(t, in.Environments[1].Approval)
}
