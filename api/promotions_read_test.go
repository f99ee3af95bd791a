package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

var p0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func tp(d time.Duration) *time.Time { t := p0.Add(d); return &t }

func TestListAndGetPromotions(t *testing.T) {
	ts := newTestServer()
	ts.pledger.promotions = []ledger.Promotion{
		{ID: "promote/demo/2", RunID: "r2", Project: "demo", Version: "2", Status: "running", StartedAt: p0},
		{ID: "promote/demo/1", RunID: "r1", Project: "demo", Version: "1", Status: "completed", StartedAt: p0.Add(-time.Hour),
			FinishedAt: tp(-time.Minute), TriggeredBy: "alice"},
		{ID: "promote/web/1", RunID: "r3", Project: "web", Version: "1", Status: "stopped", StartedAt: p0.Add(-2 * time.Hour)},
	}
	rec := ts.do(t, http.MethodGet, "/api/v1/promotions?project=demo&limit=1", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	list := decodeBody[ListPromotionsResponse](t, rec.Body.Bytes())
	require.Len(t, list.Promotions, 1)
	require.Equal(t, "promote/demo/2", list.Promotions[0].ID)
	require.Equal(t, "http://drover.test/api/v1/promotions/promote%2Fdemo%2F2", list.Promotions[0].URL)
	require.Equal(t, 1, *list.NextOffset)
	require.Equal(t, ledger.PromotionFilter{Project: "demo", Limit: 2}, ts.pledger.filters[0])

	rec = ts.do(t, http.MethodGet, "/api/v1/promotions?project=demo&offset=1", "")
	list = decodeBody[ListPromotionsResponse](t, rec.Body.Bytes())
	require.Nil(t, list.NextOffset)
	require.Equal(t, "alice", list.Promotions[0].TriggeredBy)

	rec = ts.do(t, http.MethodGet, "/api/v1/promotions?status=done", "")
	require.Equal(t, http.StatusBadRequest, rec.Code)

	// Live state from Temporal...
	live := workflows.PromotionState{ID: "promote/demo/2", RunID: "r2", Project: "demo", Version: "2", Status: "running",
		Current: "prod", Environments: []workflows.EnvironmentState{{Name: "prod", State: workflows.EnvAwaitingApproval}}}
	ts.promotions.states[live.ID] = live
	rec = ts.do(t, http.MethodGet, "/api/v1/promotions/promote%2Fdemo%2F2", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, live, decodeBody[workflows.PromotionState](t, rec.Body.Bytes()))
	// ...or the ledger's record past retention...
	rec = ts.do(t, http.MethodGet, "/api/v1/promotions?id=promote/demo/1", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	old := decodeBody[workflows.PromotionState](t, rec.Body.Bytes())
	require.Equal(t, workflows.PromotionCompleted, old.Status)
	require.Equal(t, "alice", old.TriggeredBy)
	// ...or nothing.
	rec = ts.do(t, http.MethodGet, "/api/v1/promotions/promote%2Fdemo%2F3", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "promotion promote/demo/3 not found", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
}

func TestEnvironments(t *testing.T) {
	ts := newTestServer()
	ts.pledger.envs = []ledger.EnvironmentStatus{
		{Project: "demo", Environment: "dev", Version: "2", Since: p0, PromotionID: "promote/demo/2"},
		{Project: "web", Environment: "prod", Version: "7", Since: p0},
	}
	rec := ts.do(t, http.MethodGet, "/api/v1/environments?project=demo", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	// The body shows the ledger's rows with the ledger's own JSON.
	require.JSONEq(t, jsonOf(t, map[string]any{"environments": ts.pledger.envs[:1]}), rec.Body.String())
	rec = ts.do(t, http.MethodGet, "/api/v1/environments?project=none", "")
	require.JSONEq(t, `{"environments": []}`, rec.Body.String())

	ts.pledger.history = []ledger.Deployment{{PromotionID: "promote/demo/2", Project: "demo", Environment: "dev", Version: "2",
		Result: "deployed", StartedAt: p0}}
	rec = ts.do(t, http.MethodGet, "/api/v1/environments/demo/dev/history?limit=5", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, jsonOf(t, map[string]any{"project": "demo", "environment": "dev", "deployments": ts.pledger.history}),
		rec.Body.String())
	require.Equal(t, []any{"demo", "dev", 5}, ts.pledger.historyArg)
}

// jsonOf is v as JSON.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
