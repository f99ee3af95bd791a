package api

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// A chain may run from a private project (secret) to a public one (site):
// whoever may read only the public one sees its builds, not the private
// build upstream of them: not in the build's upstream, not as a trace
// link's upstream_build_id (which names the project and commit), and the
// trace of a private project's commit answers alike whether or not it was
// built.
func TestChainsHidePrivateUpstreams(t *testing.T) {
	ctx := t.Context()
	led, err := ledger.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = led.Close() })
	ts := newTestServer()
	ts.History = led
	ids, err := identity.Parse("identity.yaml", []byte("users:\n"+
		"  - {name: alice, token_sha256: \""+identity.HashToken(aliceToken)+"\"}\n"+
		"  - {name: mallory, token_sha256: \""+identity.HashToken(malloryToken)+"\"}\n"))
	require.NoError(t, err)
	ts.Identity = ids
	ts.Registry, err = registry.Parse("projects.yaml", []byte("projects:\n"+
		"  - {name: secret, paths: [/srv/secret.git], roles: {build: [alice]}}\n"+
		"  - {name: site, paths: [/srv/site.git], reads: public, roles: {build: [alice]}}\n"))
	require.NoError(t, err)

	const secretCommit, siteCommit = "5ec2e7000000000000000000000000000000c0de", "5173000000000000000000000000000000000001"
	up := ledger.Build{ID: contracts.BuildID("secret", secretCommit), RunID: "r1", Project: "secret", Repository: "/srv/secret.git",
		Commit: secretCommit, Branch: "main", TriggeredBy: "alice", Status: "succeeded"}
	require.NoError(t, led.RecordBuildFinished(ctx, up, nil))
	down := ledger.Build{ID: contracts.BuildID("site", siteCommit), RunID: "r2", Project: "site", Repository: "/srv/site.git",
		Commit: siteCommit, Branch: "main", TriggeredBy: "alice", Status: "succeeded", UpstreamBuildID: up.ID, UpstreamKind: ledger.UpstreamPush}
	require.NoError(t, led.RecordBuildFinished(ctx, down, nil))
	ts.builds.set(workflows.BuildState{ID: down.ID, RunID: down.RunID, Project: "site", Commit: siteCommit, Status: workflows.StatusSucceeded,
		Upstream: &contracts.Upstream{BuildID: up.ID, Project: "secret", Commit: secretCommit, Branch: "main", Kind: contracts.UpstreamPush, Step: "s/t/push"}})
	mallory := []string{"Authorization", "Bearer " + malloryToken}
	alice := []string{"Authorization", "Bearer " + aliceToken}

	rec := ts.do(t, http.MethodGet, "/api/v1/builds/"+url.PathEscape(down.ID), "", mallory...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NotContains(t, rec.Body.String(), "5ec2e7", "mallory may not read project secret")
	require.Nil(t, decodeBody[workflows.BuildState](t, rec.Body.Bytes()).Upstream)
	rec = ts.do(t, http.MethodGet, "/api/v1/builds/"+url.PathEscape(down.ID), "", alice...)
	require.Equal(t, secretCommit, decodeBody[workflows.BuildState](t, rec.Body.Bytes()).Upstream.Commit, "alice may")

	rec = ts.do(t, http.MethodGet, "/api/v1/trace?build="+url.QueryEscape(down.ID), "", mallory...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NotContains(t, rec.Body.String(), "5ec2e7")
	require.Contains(t, rec.Body.String(), `"build_id":"`+down.ID+`"`)
	rec = ts.do(t, http.MethodGet, "/api/v1/trace?build="+url.QueryEscape(down.ID), "", alice...)
	require.Contains(t, rec.Body.String(), `"upstream_build_id":"`+up.ID+`"`)

	built := ts.do(t, http.MethodGet, "/api/v1/trace?project=secret&commit="+secretCommit[:12], "", mallory...)
	unbuilt := ts.do(t, http.MethodGet, "/api/v1/trace?project=secret&commit=0123456789ab", "", mallory...)
	require.Equal(t, unbuilt.Code, built.Code, "%s / %s", built.Body.String(), unbuilt.Body.String())
	require.NotContains(t, built.Body.String(), "5ec2e7")
	require.NotContains(t, unbuilt.Body.String(), "0123456789ab")
}
