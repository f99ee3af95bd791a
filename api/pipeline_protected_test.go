package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
)

// skippingYAML chooses, for every version, a pipeline that leaves out the
// environment integ the registration protects (its required check).
const skippingYAML = goodYAML + `promotion:
  default_pipeline: fast
  pipelines:
    devtoprod: [dev, integ, prod]
    fast: [prod]
  environments:
    - {name: dev, deploy: {shell: ./deploy.sh dev}}
    - {name: integ, deploy: {shell: ./deploy.sh integ}}
    - {name: prod, deploy: {shell: ./deploy.sh prod}}
`

// protectedIntegRegistry registers demo with integ protected by a
// required check; bob builds and promotes, alice administers.
func protectedIntegRegistry(t *testing.T) *registry.Registry {
	r, err := registry.Parse("projects.yaml", []byte("projects:\n"+
		"  - name: demo\n"+
		"    paths: [\""+testRepo+"\"]\n"+
		"    roles: {build: [bob], promote: [bob], admin: [alice]}\n"+
		"    environments:\n"+
		"      - name: integ\n"+
		"        required_checks:\n"+
		"          - {http: {url: \"https://integ.example.com/healthz\", within: 15s}}\n"))
	require.NoError(t, err)
	return r
}

// A drover.yaml may not leave out an environment the registration
// protects, and so may not choose (default_pipeline, branch_pipelines) a
// pipeline that leaves one out: a build of it promotes nothing, and a
// promotion or registration that would follow it is refused. Asking for
// that pipeline by name takes the project's admin role: its environments
// come from the commit, whose author a promoter may not be.
func TestDefinitionPipelineMayNotSkipAProtectedEnvironment(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = protectedIntegRegistry(t)
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(skippingYAML)
	ts.pledger.versions["demo/1.0"] = ledger.ArtifactVersion{Project: "demo", Version: "1.0", Commit: testSHA, Branch: "main",
		CreatedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	ts.pledger.projects = []ledger.Project{{Name: "demo", Repository: testRepo}}
	bob := []string{"Authorization", "Bearer " + bobToken}

	// The build's own promotion.
	def, err := pipeline.Parse("drover.yaml", []byte(skippingYAML))
	require.NoError(t, err)
	registered, _ := ts.Registry.Project("demo")
	require.Nil(t, ts.protectedPromotion(t.Context(), registered, def, "main"), "a build of it promotes nothing")

	// A promotion of a version along drover.yaml's choice.
	rec := ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0"}`, bob...)
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, "leaves out environment integ")
	require.Empty(t, ts.promotions.started)

	// A registration through the API.
	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", `{"project": "demo", "version": "1.1", "commit": "`+testSHA+`", "repository": "`+testRepo+`",
		"artifacts": [{"name": "app.tgz", "key": "blobs/app.tgz", "sha256": "`+checksum+`", "size": 42}]}`, bob...)
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Empty(t, ts.promotions.started)

	// A promoter asking for that pipeline by name is refused, as is the
	// registration; an admin may; the full pipeline goes ahead.
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0", "pipeline": "fast"}`, bob...)
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Equal(t, "pipeline fast leaves out environment integ, which the registration of project demo protects: only an admin of the project may promote along it (drover.yaml defines its environments)",
		decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", `{"project": "demo", "version": "1.1", "commit": "`+testSHA+`", "repository": "`+testRepo+`", "pipeline": "fast",
		"artifacts": [{"name": "app.tgz", "key": "blobs/app.tgz", "sha256": "`+checksum+`", "size": 42}]}`, bob...)
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Empty(t, ts.promotions.started)

	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0", "pipeline": "fast"}`,
		"Authorization", "Bearer "+aliceToken)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Len(t, ts.promotions.started[0].Environments, 1)
	ts.pledger.versions["demo/2.0"] = ledger.ArtifactVersion{Project: "demo", Version: "2.0", Commit: testSHA, Branch: "main",
		CreatedAt: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "2.0", "pipeline": "devtoprod"}`, bob...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Len(t, ts.promotions.started[1].Environments, 3)
}
