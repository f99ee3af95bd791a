package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// promoYAML defines a build and the promotion dev → prod.
const promoYAML = goodYAML + `promotion:
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh dev}
    - name: prod
      approval: {approvers: [alice, "group:release"]}
      deploy: {shell: ./deploy.sh prod}
`

var checksum = strings.Repeat("ab", 32)

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestRegisterArtifact(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	auth := []string{"Authorization", "Bearer " + aliceToken}
	body := `{"project": "demo", "version": "1.0", "commit": "` + testSHA + `", "branch": "main", "repository": "` + testRepo + `",
		"artifacts": [{"name": "app.tgz", "url": "https://ci.example.com/app.tgz", "sha256": "` + strings.ToUpper(checksum) + `", "size": 42},
		              {"name": "chart", "key": "blobs/chart.tgz"}],
		"definition": ` + jsonString(promoYAML) + `}`

	rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", body, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, PromotionStartedResponse{ID: "promote/demo/1.0", RunID: "prun-1",
		URL: "http://drover.test/api/v1/promotions/promote%2Fdemo%2F1.0"}, decodeBody[PromotionStartedResponse](t, rec.Body.Bytes()))

	require.Equal(t, []ledger.ArtifactVersion{{Project: "demo", Version: "1.0", Commit: testSHA, Branch: "main",
		Artifacts: []ledger.Artifact{
			{Name: "app.tgz", Path: "https://ci.example.com/app.tgz", SHA256: checksum, Size: 42},
			{Name: "chart", Key: "blobs/chart.tgz"},
		}, RegisteredBy: []string{"alice"}}}, ts.pledger.recorded)
	in := ts.promotions.started[0]
	require.Equal(t, "demo", in.Project)
	require.Equal(t, "1.0", in.Version)
	require.Equal(t, testSHA, in.Commit)
	require.Equal(t, "main", in.Branch)
	require.Equal(t, "alice", in.TriggeredBy)
	require.Len(t, in.Environments, 2)
	require.Equal(t, []string{"alice", "group:release"}, in.Environments[1].Approval.Approvers)
	// The promotion runs the environments compiled, with defaults resolved.
	require.NotNil(t, in.Plan)
	require.Len(t, in.Plan.Environments, 2)
	require.Equal(t, &pipeline.PlanApproval{Approvers: []string{"alice", "group:release"}, Required: 1,
		Timeout: pipeline.DefaultApprovalTimeout}, in.Plan.Environments[1].Approval)
	require.Equal(t, pipeline.PolicyFIFO, in.Plan.Environments[0].Policy)
	require.Equal(t, []contracts.ArtifactRef{
		{Name: "app.tgz", Path: "https://ci.example.com/app.tgz", SHA256: checksum, Size: 42},
		{Name: "chart", Key: "blobs/chart.tgz"},
	}, in.Artifacts)

	// Registered again: the same promotion, nothing new.
	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", body, auth...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.True(t, decodeBody[PromotionStartedResponse](t, rec.Body.Bytes()).Existing)
	require.Len(t, ts.promotions.started, 1)

	// The same version for another commit is refused.
	other := strings.Replace(body, testSHA, strings.Repeat("f", 40), 1)
	rec = ts.do(t, http.MethodPost, "/api/v1/artifacts", other, auth...)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Equal(t, "version 1.0 of demo is registered already, for commit "+testSHA,
		decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
}

func TestRegisterArtifactFromRepository(t *testing.T) {
	ts := newTestServer()
	ts.source.refs[testRepo+"@v2"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(promoYAML)
	rec := ts.do(t, http.MethodPost, "/api/v1/artifacts",
		`{"project": "demo", "version": "2.0", "repository": "`+testRepo+`", "commit": "v2"}`, UserHeader, "ci-bot")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	in := ts.promotions.started[0]
	require.Equal(t, testSHA, in.Commit, "the ref is resolved")
	require.Equal(t, testRepo, in.Repository)
	require.Equal(t, "ci-bot", in.TriggeredBy)
	require.Equal(t, "dev", in.Environments[0].Name)
	require.Equal(t, testSHA, ts.pledger.recorded[0].Commit)
}

func TestRegisterArtifactErrors(t *testing.T) {
	noPromotion := jsonString(goodYAML)
	tests := []struct {
		name    string
		body    string
		status  int
		code    string
		message string
	}{
		{"no project", `{"version": "1"}`, 400, "bad_request", `project ""`},
		{"slash in version", `{"project": "demo", "version": "1/2"}`, 400, "bad_request", `version "1/2"`},
		{"no definition", `{"project": "demo", "version": "1"}`, 400, "no_definition", "give the definition, or the repository and commit"},
		{"definition without promotion", `{"project": "demo", "version": "1", "definition": ` + noPromotion + `}`,
			400, "bad_definition", "drover.yaml given defines no promotion environments"},
		{"definition of another project", `{"project": "web", "version": "1", "definition": ` + jsonString(promoYAML) + `}`,
			400, "bad_definition", `definition of project "demo", not "web"`},
		{"bad definition", `{"project": "demo", "version": "1", "definition": ` + jsonString(badYAML) + `}`,
			400, "bad_definition", "drover.yaml:8:"},
		{"no drover.yaml in repository", `{"project": "demo", "version": "1", "repository": "` + testRepo + `", "commit": "bare"}`,
			400, "no_definition", "no drover.yaml at"},
		{"url and key", `{"project": "demo", "version": "1", "artifacts": [{"name": "a", "url": "https://x/a", "key": "k"}]}`,
			400, "bad_request", "artifacts[0]: give a url or a key"},
		{"file url", `{"project": "demo", "version": "1", "artifacts": [{"name": "a", "url": "file:///etc/passwd"}]}`,
			400, "bad_request", "url must be http or https"},
		{"path as name", `{"project": "demo", "version": "1", "artifacts": [{"name": "../a", "key": "k"}]}`,
			400, "bad_request", "cannot be a file name"},
		{"bad checksum", `{"project": "demo", "version": "1", "artifacts": [{"name": "a", "key": "k", "sha256": "abc"}]}`,
			400, "bad_request", "sha256 must be 64 hex digits"},
		{"name twice", `{"project": "demo", "version": "1", "artifacts": [{"name": "a", "key": "k"}, {"name": "a", "key": "j"}]}`,
			400, "bad_request", "used twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer()
			ts.source.refs[testRepo+"@bare"] = testSHA
			rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", tt.body)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			body := decodeBody[ErrorBody](t, rec.Body.Bytes())
			require.Equal(t, tt.code, body.Error.Code)
			require.Contains(t, body.Error.Message, tt.message)
			require.Empty(t, ts.pledger.recorded)
			require.Empty(t, ts.promotions.started)
		})
	}
}

func TestCreatePromotion(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	auth := []string{"Authorization", "Bearer " + bobToken}
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(promoYAML)
	ts.pledger.versions["demo/1.0"] = ledger.ArtifactVersion{Project: "demo", Version: "1.0", Commit: testSHA, Branch: "main",
		BuildID: "build/demo/" + testSHA, RunID: "r1", Artifacts: []ledger.Artifact{{Name: "app", Key: "k", SHA256: checksum, Size: 3}}}
	ts.history.builds = []ledger.Build{{ID: "build/demo/" + testSHA, RunID: "r1", Project: "demo", Repository: testRepo}}
	ts.pledger.versions["demo/0.9"] = ledger.ArtifactVersion{Project: "demo", Version: "0.9", Commit: testSHA}

	rec := ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.1"}`, auth...)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	require.Equal(t, "version 1.1 of demo is not registered", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)

	// The repository comes from the build that made the version.
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "1.0"}`, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	in := ts.promotions.started[0]
	require.Equal(t, "bob", in.TriggeredBy)
	require.Equal(t, testRepo, in.Repository)
	require.Equal(t, "build/demo/"+testSHA, in.BuildID)
	require.Equal(t, []contracts.ArtifactRef{{Name: "app", Key: "k", SHA256: checksum, Size: 3}}, in.Artifacts)
	require.Len(t, in.Environments, 2)

	// A version registered from outside: the project's repository, if
	// known, else the one repository the project registers; with several,
	// the caller must say which.
	ts.Registry = testRegistry("/srv/repos/other")
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "0.9"}`, auth...)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, "the repository of demo is unknown")
	ts.Registry = testRegistry()
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "0.9"}`, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, testRepo, ts.promotions.started[1].Repository, "the one registered repository")
	ts.pledger.projects = []ledger.Project{{Name: "demo", Repository: testRepo}}
	ts.Registry = testRegistry("/srv/repos/other")
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions", `{"project": "demo", "version": "0.9", "environment": "dev"}`, auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "0.9", ts.promotions.started[2].Version)
}

// knownPushers is a ledger that tells who pushed each commit.
type knownPushers struct {
	*fakeHistory
	by map[string][]string // commit → pushers
}

func (knownPushers) RecordPusher(context.Context, string, string, string) error { return nil }

func (k knownPushers) PushersOf(_ context.Context, _, commit string) ([]string, error) {
	return k.by[commit], nil
}

// Whoever pushed the commit of a version registered through the API is
// one of its registrants: an outside CI building a push that Drover did
// not build does not make the version the registering user's alone.
func TestRegisterArtifactCreditsThePushersOfItsCommit(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	ts.History = knownPushers{ts.history, map[string][]string{testSHA: {"github:mallory", "alice"}}}
	body := `{"project": "demo", "version": "1.0", "commit": "` + testSHA + `", "branch": "main", "repository": "` + testRepo + `",
		"artifacts": [{"name": "chart", "key": "blobs/chart.tgz"}], "definition": ` + jsonString(promoYAML) + `}`
	rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", body, "Authorization", "Bearer "+aliceToken)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, []string{"alice", "github:mallory"}, ts.pledger.recorded[0].RegisteredBy)
	require.Equal(t, []string{"alice", "github:mallory"}, ts.promotions.started[0].RegisteredBy)
}
