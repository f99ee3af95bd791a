package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
)

// foasYAML declares DeployDB's three artifacts and the pipelines a
// version follows by branch.
const foasYAML = goodYAML + `promotion:
  artifacts: [foas, puppet-foas, puppet-mysql]
  default_pipeline: devtoprod
  branch_pipelines:
    - {branches: ["hotfix/*"], pipeline: hotfix}
  pipelines:
    devtoprod: [dev, integ, prod]
    hotfix: [prod]
  environments:
    - {name: dev, deploy: {shell: ./deploy.sh dev}}
    - {name: integ, deploy: {shell: ./deploy.sh integ}}
    - {name: prod, deploy: {shell: ./deploy.sh prod}}
`

// foasArtifact is the body of POST /api/v1/artifacts registering one
// artifact of FOAS 1.4.0 built from source at its own version.
func foasArtifact(version, branch, name, source string) string {
	return `{"project": "demo", "version": "` + version + `", "commit": "` + testSHA + `", "branch": "` + branch + `", "repository": "` + testRepo + `",
		"artifacts": [{"name": "` + name + `", "url": "https://repo.example.com/` + name + `.tgz", "source_repository": "` + name + `", "source_version": "` + source + `"}],
		"definition": ` + jsonString(foasYAML) + `}`
}

// foasServer is an API with identities and registry whose demo project's
// repository holds foasYAML at testSHA.
func foasServer() *testServer {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(foasYAML)
	ts.pledger.projects = []ledger.Project{{Name: "demo", Repository: testRepo}}
	return ts
}

// TestRegisterAVersionOfSeveralArtifacts: each artifact of a version is
// registered on its own, with its source version; the version is promoted
// once the last one the project declares is there, with all of them,
// along the default pipeline.
func TestRegisterAVersionOfSeveralArtifacts(t *testing.T) {
	ts := foasServer()
	auth := []string{"Authorization", "Bearer " + aliceToken}

	rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", foasArtifact("1.4.0", "main", "foas", "abc123"), auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, PromotionStartedResponse{Missing: []string{"puppet-foas", "puppet-mysql"},
		Message: "version 1.4.0 of demo is registered and waits for artifacts puppet-foas, puppet-mysql before it is promoted"},
		decodeBody[PromotionStartedResponse](t, rec.Body.Bytes()))
	require.Empty(t, ts.promotions.started)

	// A promotion of the version now is refused, naming what it lacks.
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.4.0"}`, "Authorization", "Bearer "+bobToken)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	e := decodeBody[ErrorBody](t, rec.Body.Bytes()).Error
	require.Equal(t, "incomplete_version", e.Code)
	require.Equal(t, "version 1.4.0 of demo lacks artifacts puppet-foas, puppet-mysql (a version of demo carries foas, puppet-foas, puppet-mysql): register it with POST /api/v1/artifacts", e.Message)

	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", foasArtifact("1.4.0", "main", "puppet-mysql", "789abc"), auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, []string{"puppet-foas"}, decodeBody[PromotionStartedResponse](t, rec.Body.Bytes()).Missing)

	// An artifact registered again with another source is refused.
	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", foasArtifact("1.4.0", "main", "foas", "fff000"), auth...)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Equal(t, "artifact foas of version 1.4.0 of demo is registered already, with other content (source foas@abc123)",
		decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)

	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", foasArtifact("1.4.0", "main", "puppet-foas", "def456"), auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	started := decodeBody[PromotionStartedResponse](t, rec.Body.Bytes())
	require.Equal(t, "promote/demo/1.4.0", started.ID)
	require.Empty(t, started.Missing)
	require.Len(t, ts.promotions.started, 1)
	in := ts.promotions.started[0]
	require.Equal(t, []contracts.ArtifactRef{
		{Name: "foas", Path: "https://repo.example.com/foas.tgz", SourceRepository: "foas", SourceVersion: "abc123"},
		{Name: "puppet-mysql", Path: "https://repo.example.com/puppet-mysql.tgz", SourceRepository: "puppet-mysql", SourceVersion: "789abc"},
		{Name: "puppet-foas", Path: "https://repo.example.com/puppet-foas.tgz", SourceRepository: "puppet-foas", SourceVersion: "def456"},
	}, in.Artifacts)
	var names []string
	for _, e := range in.Environments {
		names = append(names, e.Name)
	}
	require.Equal(t, []string{"dev", "integ", "prod"}, names, "default_pipeline: devtoprod")
	require.Equal(t, []string{"alice"}, in.RegisteredBy)

	// A hotfix branch follows its pipeline.
	for _, name := range []string{"foas", "puppet-foas", "puppet-mysql"} {
		rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", foasArtifact("1.4.1", "hotfix/1", name, "h1"), auth...)
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	}
	in = ts.promotions.started[len(ts.promotions.started)-1]
	require.Len(t, in.Environments, 1)
	require.Equal(t, "prod", in.Environments[0].Name)
}

// TestEveryRegistrantIsKnownToThePromotion: a version registered artifact
// by artifact by several callers carries all of them into its promotion
// (where prevent_self_approval refuses each), not only the one whose
// registration completed it; so does a promotion of it started later.
func TestEveryRegistrantIsKnownToThePromotion(t *testing.T) {
	ts := foasServer()
	// Without a definition of its own the registration reads drover.yaml at
	// the commit, which the promote role may do.
	fromRepo := func(name, source string) string {
		body := foasArtifact("1.4.0", "main", name, source)
		before, _, _ := strings.Cut(body, `,
		"definition":`)
		return before + "}"
	}
	for _, r := range []struct{ token, name string }{{aliceToken, "foas"}, {bobToken, "puppet-foas"}, {bobToken, "puppet-mysql"}} {
		rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", fromRepo(r.name, "abc123"), "Authorization", "Bearer "+r.token)
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	}
	require.Len(t, ts.promotions.started, 1)
	in := ts.promotions.started[0]
	require.Equal(t, "bob", in.TriggeredBy, "the registration that completed the version")
	require.Equal(t, []string{"alice", "bob"}, in.RegisteredBy)

	rec := ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.4.0", "environment": "dev"}`,
		"Authorization", "Bearer "+aliceToken)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Len(t, ts.promotions.started, 2)
	again := ts.promotions.started[1]
	require.Equal(t, "alice", again.TriggeredBy)
	require.Equal(t, []string{"alice", "bob"}, again.RegisteredBy, "a promotion of the version started later")
}

// TestRegisterArtifactSourceIsChecked: an artifact's source is text
// without credentials.
func TestRegisterArtifactSourceIsChecked(t *testing.T) {
	ts := newTestServer()
	body := strings.Replace(foasArtifact("1.4.0", "main", "foas", "abc123"), `"source_repository": "foas"`,
		`"source_repository": "https://user:pw@git.example.com/foas.git"`, 1)
	rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", body, UserHeader, "alice")
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, "no credentials in a URL")
	require.NotContains(t, rec.Body.String(), "pw@")
}

// TestRegisteredArtifactsCannotBeDropped: artifacts the registration
// requires are required even when drover.yaml declares none.
func TestRegisteredArtifactsCannotBeDropped(t *testing.T) {
	ts := newTestServer()
	r, err := registry.Parse("projects.yaml", []byte("projects:\n  - name: demo\n    paths: [\""+testRepo+"\"]\n    artifacts: [foas, sbom]\n"))
	require.NoError(t, err)
	ts.Registry = r
	ts.pledger.versions["demo/1.0"] = ledger.ArtifactVersion{Project: "demo", Version: "1.0", Commit: testSHA,
		Artifacts: []ledger.Artifact{{Name: "foas", Path: "https://repo.example.com/foas.tgz"}}}
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(promoYAML)
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.pledger.projects = []ledger.Project{{Name: "demo", Repository: testRepo}}
	rec := ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0", "repository": "`+testRepo+`"}`, UserHeader, "bob")
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, "version 1.0 of demo lacks artifact sbom")

	// A build whose tasks store no such artifact starts no promotion.
	ts.source.refs[testRepo+"@main"] = testSHA
	rec = ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main", "branch": "main"}`, UserHeader, "bob")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Nil(t, ts.builds.started[0].Promotion)
}

// TestBuildPromotionFollowsTheBranchPipeline: a build's own promotion
// walks the pipeline drover.yaml chooses for its branch.
func TestBuildPromotionFollowsTheBranchPipeline(t *testing.T) {
	ts := newTestServer()
	def := strings.Replace(foasYAML, "  artifacts: [foas, puppet-foas, puppet-mysql]\n", "", 1)
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.refs[testRepo+"@hotfix/2"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(def)
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "hotfix/2", "branch": "hotfix/2"}`, UserHeader, "bob")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	p := ts.builds.started[0].Promotion
	require.NotNil(t, p)
	require.Len(t, p.Environments, 1)
	require.Equal(t, "prod", p.Environments[0].Name)
	require.Len(t, ts.builds.started[0].PromotionPlan.Environments, 1)
}

// TestRegistrationMayNotTakeABuildsVersionFirst: a registration may not
// create a version named as Drover's builds name theirs, for the build's
// commit or any other (the build's recording would then change nothing, and
// a promotion or rollback of the version would deploy what was
// registered); once the build has recorded it, artifacts may be added to it.
func TestRegistrationMayNotTakeABuildsVersionFirst(t *testing.T) {
	ts := foasServer()
	auth := []string{"Authorization", "Bearer " + aliceToken}
	other := strings.Repeat("f", 12)
	for _, version := range []string{testSHA[:12], testSHA[:12] + "-ab12cd34ef56", other} {
		rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", foasArtifact(version, "main", "foas", "abc123"), auth...)
		require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
		require.Equal(t, "version "+version+" of demo is named as Drover's builds name theirs: add artifacts to it once the build of its commit has recorded it, or name the version otherwise",
			decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
	}
	require.Empty(t, ts.pledger.recorded)
	rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", foasArtifact(testSHA[:12]+"-rc1", "main", "foas", "abc123"), auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, "not a build's name: %s", rec.Body.String())

	ts.pledger.versions["demo/"+testSHA[:12]] = ledger.ArtifactVersion{Project: "demo", Version: testSHA[:12], Commit: testSHA,
		BuildID: "build/demo/" + testSHA, Artifacts: []ledger.Artifact{{Name: "foas", Key: "artifacts/demo/x/foas.tgz"}}}
	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", foasArtifact(testSHA[:12], "main", "puppet-foas", "def456"), auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, []string{"puppet-mysql"}, decodeBody[PromotionStartedResponse](t, rec.Body.Bytes()).Missing)

}
