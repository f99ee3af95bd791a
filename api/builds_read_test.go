package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

func ledgerBuilds(n int) []ledger.Build {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	out := make([]ledger.Build, n)
	for i := range out {
		status := workflows.StatusSucceeded
		if i%2 == 1 {
			status = workflows.StatusFailed
		}
		commit := fmt.Sprintf("%040d", i)
		out[i] = ledger.Build{ID: contracts.BuildID("demo", commit), RunID: fmt.Sprintf("run-%d", i), Project: "demo",
			Repository: "https://u:p@git.example.com/demo.git", Commit: commit, Branch: "main", Status: string(status),
			StartedAt: start.Add(-time.Duration(i) * time.Minute)}
	}
	return out
}

func TestListBuilds(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		status  int
		filter  ledger.BuildFilter
		ids     int  // builds returned
		next    *int // next_offset
		errFrag string
	}{
		{name: "defaults", query: "", status: 200, filter: ledger.BuildFilter{Limit: 51}, ids: 5},
		{name: "first page", query: "?limit=2", status: 200, filter: ledger.BuildFilter{Limit: 3}, ids: 2, next: ptr(2)},
		{name: "last page", query: "?limit=2&offset=4", status: 200, filter: ledger.BuildFilter{Limit: 3, Offset: 4}, ids: 1},
		{name: "exact page", query: "?limit=5", status: 200, filter: ledger.BuildFilter{Limit: 6}, ids: 5},
		{name: "filters", query: "?project=demo&branch=main&status=failed", status: 200,
			filter: ledger.BuildFilter{Project: "demo", Branch: "main", Status: "failed", Limit: 51}, ids: 2},
		{name: "bad limit", query: "?limit=0", status: 400, errFrag: "limit must be an integer from 1 to 500"},
		{name: "huge limit", query: "?limit=501", status: 400, errFrag: "limit must be"},
		{name: "bad offset", query: "?offset=-1", status: 400, errFrag: "offset must be an integer >= 0"},
		{name: "bad status", query: "?status=done", status: 400, errFrag: "status must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer()
			ts.history.builds = ledgerBuilds(5)
			rec := ts.do(t, http.MethodGet, "/api/v1/builds"+tt.query, "")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status != 200 {
				body := decodeBody[ErrorBody](t, rec.Body.Bytes())
				require.Equal(t, "bad_request", body.Error.Code)
				require.Contains(t, body.Error.Message, tt.errFrag)
				require.Empty(t, ts.history.filters)
				return
			}
			require.Equal(t, []ledger.BuildFilter{tt.filter}, ts.history.filters)
			resp := decodeBody[ListBuildsResponse](t, rec.Body.Bytes())
			require.Len(t, resp.Builds, tt.ids)
			require.Equal(t, tt.next, resp.NextOffset)
			require.Contains(t, rec.Body.String(), `"next_offset":`)
		})
	}
}

func TestListBuildsFields(t *testing.T) {
	ts := newTestServer()
	ts.history.builds = ledgerBuilds(1)
	rec := ts.do(t, http.MethodGet, "/api/v1/builds", "")
	require.Equal(t, http.StatusOK, rec.Code)
	resp := decodeBody[ListBuildsResponse](t, rec.Body.Bytes())
	b := resp.Builds[0]
	require.Equal(t, "build/demo/"+fmt.Sprintf("%040d", 0), b.ID)
	require.Equal(t, "http://drover.test/api/v1/builds/build%2Fdemo%2F"+fmt.Sprintf("%040d", 0), b.URL)
	require.Equal(t, "https://git.example.com/demo.git", b.Repository, "credentials are never shown")
	require.Equal(t, "succeeded", b.Status)
	require.Nil(t, resp.NextOffset)
}

func TestGetBuild(t *testing.T) {
	ts := newTestServer()
	live := workflows.BuildState{ID: "build/demo/abc", RunID: "r2", Project: "demo", Status: workflows.StatusRunning,
		Stages: []workflows.StageState{{Name: "verify", Status: "running", Tasks: []workflows.TaskState{
			{Name: "unit", Status: workflows.TaskBuilding, Attempt: 2}}}}}
	ts.builds.set(live)
	exit1 := 1
	ts.history.builds = []ledger.Build{{ID: "build/old/def", RunID: "r1", Project: "old", Commit: "def",
		Status: string(workflows.StatusFailed), StartedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}
	ts.history.tasks["build/old/def"] = []ledger.Task{
		{Stage: "verify", StageIndex: 0, Name: "unit", TaskIndex: 0, Status: string(workflows.TaskSucceeded), Attempt: 1},
		{Stage: "verify", StageIndex: 0, Name: "lint", TaskIndex: 1, Status: string(workflows.TaskFailed), Attempt: 3, ExitCode: &exit1},
		{Stage: "package", StageIndex: 1, Name: "tar", TaskIndex: 0, Status: string(workflows.TaskCancelled)},
	}

	tests := []struct {
		name   string
		target string
		status int
		want   string // ID of the build returned, or the error code
	}{
		{"escaped id", "/api/v1/builds/build%2Fdemo%2Fabc", 200, "build/demo/abc"},
		{"query id", "/api/v1/builds/-?id=build/demo/abc", 200, "build/demo/abc"},
		{"list route with id", "/api/v1/builds?id=build%2Fdemo%2Fabc", 200, "build/demo/abc"},
		{"run id", "/api/v1/builds/build%2Fdemo%2Fabc?run_id=r2", 200, "build/demo/abc"},
		{"past retention", "/api/v1/builds/build%2Fold%2Fdef", 200, "build/old/def"},
		{"unknown", "/api/v1/builds/build%2Fnope%2Fx", 404, "not_found"},
		{"unknown run", "/api/v1/builds/build%2Fdemo%2Fabc?run_id=r9", 404, "not_found"},
		{"unescaped id is no route", "/api/v1/builds/build/demo/abc", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(t, http.MethodGet, tt.target, "")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status != 200 {
				require.Equal(t, tt.want, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)
				return
			}
			require.Equal(t, tt.want, decodeBody[workflows.BuildState](t, rec.Body.Bytes()).ID)
		})
	}

	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fold%2Fdef", "")
	old := decodeBody[workflows.BuildState](t, rec.Body.Bytes())
	require.Equal(t, workflows.StatusFailed, old.Status)
	require.Len(t, old.Stages, 2)
	require.Equal(t, "verify", old.Stages[0].Name)
	require.Equal(t, workflows.StageFailed, old.Stages[0].Status)
	require.Equal(t, 3, old.Stages[0].Tasks[1].Attempt)
	require.Equal(t, 1, *old.Stages[0].Tasks[1].ExitCode)
	require.Equal(t, workflows.StageCancelled, old.Stages[1].Status)
}

func TestGetBuildTemporalDown(t *testing.T) {
	ts := newTestServer()
	ts.builds.stateErr = errors.New("rpc error: connection refused 10.1.2.3")
	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fabc", "", RequestIDHeader, "req-1")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.JSONEq(t, `{"error": {"code": "internal", "message": "internal error", "request_id": "req-1"}}`, rec.Body.String())
}

func TestCancelBuild(t *testing.T) {
	ts := newTestServer()
	ts.builds.set(workflows.BuildState{ID: "build/demo/run", RunID: "r", Status: workflows.StatusRunning})
	ts.builds.set(workflows.BuildState{ID: "build/demo/done", RunID: "r", Status: workflows.StatusSucceeded})
	tests := []struct {
		target string
		status int
		code   string
	}{
		{"/api/v1/builds/build%2Fdemo%2Frun/cancel", 202, ""},
		{"/api/v1/builds/-/cancel?id=build/demo/run", 202, ""},
		{"/api/v1/builds/build%2Fdemo%2Fdone/cancel", 409, "conflict"},
		{"/api/v1/builds/build%2Fdemo%2Fnope/cancel", 404, "not_found"},
		{"/api/v1/builds/-/cancel", 400, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := ts.do(t, http.MethodPost, tt.target, "")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.code != "" {
				require.Equal(t, tt.code, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)
				return
			}
			require.Equal(t, CancelBuildResponse{ID: "build/demo/run", Status: "cancelling"},
				decodeBody[CancelBuildResponse](t, rec.Body.Bytes()))
		})
	}
	require.Equal(t, []string{"build/demo/run", "build/demo/run"}, ts.builds.canceled)
}

func TestHealthAndUnknownRoutes(t *testing.T) {
	ts := newTestServer()
	rec := ts.do(t, http.MethodGet, "/healthz", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"status": "ok"}`, rec.Body.String())

	ts.history.pingErr = errors.New("database is locked")
	rec = ts.do(t, http.MethodGet, "/healthz", "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "unavailable", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)
	require.NotContains(t, rec.Body.String(), "locked")

	rec = ts.do(t, http.MethodGet, "/api/v1/nothing", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "not_found", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)

	rec = ts.do(t, http.MethodDelete, "/api/v1/builds", "")
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Equal(t, "method_not_allowed", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)
}

func ptr[T any](v T) *T { return &v }
