package api

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
)

// fakeFreezes keeps freezes in a map by project/environment.
type fakeFreezes struct {
	mu sync.Mutex
	m  map[string]ledger.Freeze
}

func (f *fakeFreezes) PutFreeze(_ context.Context, fr ledger.Freeze) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[fr.Project+"/"+fr.Environment] = fr
	return nil
}

func (f *fakeFreezes) DeleteFreeze(_ context.Context, project, env string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[project+"/"+env]; !ok {
		return fmt.Errorf("lift: %w", ledger.ErrNotFound)
	}
	delete(f.m, project+"/"+env)
	return nil
}

func (f *fakeFreezes) ListFreezes(_ context.Context, project string) ([]ledger.Freeze, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ledger.Freeze
	for _, fr := range f.m {
		if project == "" || fr.Project == project {
			out = append(out, fr)
		}
	}
	return out, nil
}

func TestFreezeAndThawAnEnvironment(t *testing.T) {
	ts, audit := authzServer(t) // erin administers demo; bob promotes it
	freezes := &fakeFreezes{m: map[string]ledger.Freeze{}}
	ts.Freezes = freezes
	as := func(user string) []string { return []string{"Authorization", "Bearer " + user + "-token"} }
	path := "/api/v1/environments/demo/prod/freeze"

	rec := ts.do(t, http.MethodPut, path, `{"reason": "holiday"}`, as("bob")...)
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Equal(t, "bob lacks role admin on project demo", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
	rec = ts.do(t, http.MethodPut, path, `{}`, as("erin")...)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Equal(t, "a freeze needs a reason", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
	rec = ts.do(t, http.MethodPut, path, `{"reason": "r", "until": "2020-01-01T00:00:00Z"}`, as("erin")...)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())

	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	rec = ts.do(t, http.MethodPut, path, `{"reason": "holiday", "until": "`+until.Format(time.RFC3339)+`"}`, as("erin")...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := freezes.m["demo/prod"]
	require.Equal(t, "holiday", got.Reason)
	require.Equal(t, "erin", got.By)
	require.True(t, got.Until.Equal(until))

	// What is where says so, to those who may read demo.
	rec = ts.do(t, http.MethodGet, "/api/v1/environments?project=demo", "", as("bob")...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	resp := decodeBody[EnvironmentsResponse](t, rec.Body.Bytes())
	require.Len(t, resp.Freezes, 1)
	require.Equal(t, "holiday", resp.Freezes[0].Reason)

	rec = ts.do(t, http.MethodDelete, path, "", as("erin")...)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	rec = ts.do(t, http.MethodDelete, path, "", as("erin")...)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	require.Equal(t, "prod of demo is not frozen", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)

	var allowed []string
	for _, e := range audit.entries {
		if e.Outcome == ledger.AuditAllowed {
			allowed = append(allowed, e.Actor+" "+e.Action+" "+e.Target+" "+e.Reason)
		}
	}
	require.Equal(t, []string{"erin freeze prod holiday", "erin unfreeze prod "}, allowed)
}

// recheckingPromotions counts the times the API tells waiting promotions
// that a freeze has lifted.
type recheckingPromotions struct {
	Promotions
	mu    sync.Mutex
	calls []string
}

func (r *recheckingPromotions) RecheckFreeze(_ context.Context, project, env string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, project+"/"+env)
	return nil
}

func (r *recheckingPromotions) told() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// TestThawTellsWaitingPromotionsAgain: lifting a freeze tells the waiting
// promotions at once and again shortly after, for a promotion whose stop at
// the freeze Temporal's search did not show yet.
func TestThawTellsWaitingPromotionsAgain(t *testing.T) {
	saved := freezeRecheckAgain
	freezeRecheckAgain = []time.Duration{time.Millisecond, time.Millisecond}
	t.Cleanup(func() { freezeRecheckAgain = saved })

	ts, _ := authzServer(t)
	ts.Freezes = &fakeFreezes{m: map[string]ledger.Freeze{}}
	promotions := &recheckingPromotions{Promotions: ts.Promotions}
	ts.Promotions = promotions
	as := []string{"Authorization", "Bearer erin-token"}
	path := "/api/v1/environments/demo/prod/freeze"
	rec := ts.do(t, http.MethodPut, path, `{"reason": "holiday"}`, as...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Empty(t, promotions.told(), "freezing tells no one")

	rec = ts.do(t, http.MethodDelete, path, "", as...)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	require.NotEmpty(t, promotions.told(), "told before the answer")
	require.Eventually(t, func() bool { return len(promotions.told()) == 3 }, 10*time.Second, time.Millisecond)
	require.Equal(t, []string{"demo/prod", "demo/prod", "demo/prod"}, promotions.told())
}
