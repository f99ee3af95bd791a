package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// loggingSource is a fakeSource with a history: from..to is logs[from+".."+to].
type loggingSource struct {
	*fakeSource
	logs map[string][]gitsource.Commit
}

func (l loggingSource) Log(_ context.Context, _, from, to string, limit int) ([]gitsource.Commit, bool, error) {
	c := l.logs[from+".."+to]
	if len(c) > limit {
		return c[:limit], true, nil
	}
	return c, false, nil
}

func TestPromotionChanges(t *testing.T) {
	ts, auth := againServer(t) // 2.0 runs in prod
	c1, c2, c3 := strings.Repeat("1", 40), strings.Repeat("2", 40), strings.Repeat("3", 40)
	ts.pledger.versions["demo/1.0"] = ledger.ArtifactVersion{Project: "demo", Version: "1.0", Commit: c1}
	ts.pledger.versions["demo/2.0"] = ledger.ArtifactVersion{Project: "demo", Version: "2.0", Commit: c2}
	ts.pledger.versions["demo/3.0"] = ledger.ArtifactVersion{Project: "demo", Version: "3.0", Commit: c3}
	ts.Source = loggingSource{fakeSource: ts.source, logs: map[string][]gitsource.Commit{
		c2 + ".." + c3: {{SHA: c3, Author: "Ann", Subject: "add search"}},
		c2 + ".." + c1: nil,
		c1 + ".." + c2: {{SHA: c2, Author: "Bo", Subject: "fix login"}},
	}}
	for _, v := range []string{"3.0", "1.0"} {
		ts.promotions.states["promote/demo/"+v] = workflows.PromotionState{ID: "promote/demo/" + v, Project: "demo", Version: v,
			Status: workflows.PromotionRunning, Environments: []workflows.EnvironmentState{
				{Name: "dev", State: workflows.EnvDeployed}, {Name: "prod", State: workflows.EnvAwaitingApproval}}}
	}

	rec := ts.do(t, http.MethodGet, "/api/v1/promotions/promote%2Fdemo%2F3.0/changes", "", auth...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	resp := decodeBody[ChangesResponse](t, rec.Body.Bytes())
	require.Len(t, resp.Environments, 2)
	require.Empty(t, resp.Environments[0].CurrentVersion, "nothing runs in dev")
	prod := resp.Environments[1]
	require.Equal(t, "2.0", prod.CurrentVersion)
	require.Equal(t, []gitsource.Commit{{SHA: c3, Author: "Ann", Subject: "add search"}}, prod.Added)
	require.Empty(t, prod.Removed)

	// An older version: what it takes away.
	rec = ts.do(t, http.MethodGet, "/api/v1/promotions/promote%2Fdemo%2F1.0/changes", "", auth...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	prod = decodeBody[ChangesResponse](t, rec.Body.Bytes()).Environments[1]
	require.Empty(t, prod.Added)
	require.Equal(t, []gitsource.Commit{{SHA: c2, Author: "Bo", Subject: "fix login"}}, prod.Removed)

	// The promotion page shows them where the promotion has yet to deploy,
	// and warns of an older version.
	srv := httptestServer(t, ts.Handler())
	bob := newPageClient(t, srv)
	bob.signIn(bobToken)
	status, body := bob.get("/promotions/promote%2Fdemo%2F3.0")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "1 commits since 2.0, which prod runs now")
	require.Contains(t, body, "<code>3333333</code> add search <small class=\"muted\">Ann</small>")
	_, body = bob.get("/promotions/promote%2Fdemo%2F1.0")
	require.Contains(t, body, "Older than 2.0, which prod runs now")
	require.Contains(t, body, "Deploying this version takes away 1 commits: it is a rollback.")
}
