package api

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

const malloryToken = "mallory-secret-token"

// TestDownstreamOnlyAsTheUpstreamRunEnds: POST /api/v1/builds/{id}/downstream
// starts builds triggered by the upstream build's actor, so only the
// upstream build's own run, as it ends, may start them. Once that run has
// ended, a caller (mallory, who may build both projects) asking again
// starts nothing: else she could start, at a head that moved since, a
// build attributed to alice, and approve it herself where the registration
// forbids approving one's own builds. She is answered the builds the run
// started.
func TestDownstreamOnlyAsTheUpstreamRunEnds(t *testing.T) {
	ctx := t.Context()
	data := t.TempDir()
	led, err := ledger.Open(ctx, filepath.Join(data, "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = led.Close() })
	task := "build:\n  stages:\n    - name: s\n      tasks:\n        - {name: t, run: \"true\"}\n"
	lib, app := newCommitRepo(t), newCommitRepo(t)
	libCommit := lib.commit("project: lib\n" + task)
	appCommit := app.commit("project: app\ntriggers:\n  upstream: {project: lib}\n" + task)

	ts := newTestServer()
	ts.History, ts.Source = led, gitsource.New(filepath.Join(data, "git"))
	ids, err := identity.Parse("identity.yaml", []byte("users:\n"+
		"  - {name: alice, token_sha256: \""+identity.HashToken(aliceToken)+"\"}\n"+
		"  - {name: mallory, token_sha256: \""+identity.HashToken(malloryToken)+"\"}\n"))
	require.NoError(t, err)
	ts.Identity = ids
	ts.Registry, err = registry.Parse("projects.yaml", []byte("projects:\n"+
		"  - {name: lib, paths: [\""+lib.dir+"\"], reads: public, roles: {build: [alice, mallory]}}\n"+
		"  - {name: app, paths: [\""+app.dir+"\"], reads: public, roles: {build: [alice, mallory], promote: [mallory]}}\n"))
	require.NoError(t, err)

	up := ledger.Build{ID: contracts.BuildID("lib", libCommit), RunID: "run-lib", Project: "lib", Repository: lib.dir,
		Commit: libCommit, Branch: "main", TriggeredBy: "alice", Status: string(workflows.StatusSucceeded)}
	require.NoError(t, led.RecordBuildFinished(ctx, up, nil))
	path := "/api/v1/builds/" + url.PathEscape(up.ID) + "/downstream"
	mallory := []string{"Authorization", "Bearer " + malloryToken}

	// While alice's build's run ends, it asks: app's head builds, alice's.
	ts.builds.set(workflows.BuildState{ID: up.ID, RunID: up.RunID, Status: workflows.StatusRunning})
	rec := ts.do(t, http.MethodPost, path, "", mallory...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Len(t, ts.builds.started, 1)
	require.Equal(t, "alice", ts.builds.started[0].TriggeredBy)
	require.Equal(t, appCommit, ts.builds.started[0].Commit)
	require.NoError(t, led.RecordBuildStarted(ctx, ledger.Build{ID: contracts.BuildID("app", appCommit), RunID: "run-app",
		Project: "app", Repository: app.dir, Commit: appCommit, Branch: "main", TriggeredBy: "alice",
		UpstreamBuildID: up.ID, UpstreamKind: ledger.UpstreamTrigger}))

	// The run has ended; app's head moves; mallory asks.
	ts.builds.set(workflows.BuildState{ID: up.ID, RunID: up.RunID, Status: workflows.StatusSucceeded})
	moved := app.commit("project: app\ntriggers:\n  upstream: {project: lib}\n" + task + "# mallory's change\n")
	rec = ts.do(t, http.MethodPost, path, "", mallory...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Len(t, ts.builds.started, 1, "no build of %s attributed to alice", moved)
	got := decodeBody[StartDownstreamResponse](t, rec.Body.Bytes())
	require.Len(t, got.Builds, 1)
	require.Equal(t, contracts.BuildID("app", appCommit), got.Builds[0].ID)
	require.True(t, got.Builds[0].Existing)
}
