package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/workflows"
)

const logPromotion = "promote/demo/1.0"

// stepsState: prod deployed, its first check (a task) failed, its second
// still runs.
func stepsState(second string) workflows.PromotionState {
	return workflows.PromotionState{ID: logPromotion, RunID: "p1", Project: "demo", Version: "1.0", Status: workflows.PromotionRunning,
		Environments: []workflows.EnvironmentState{{Name: "prod", State: workflows.EnvVerifying,
			Deploy: &workflows.StepState{Kind: "deploy", State: workflows.StepSucceeded},
			Verify: []workflows.StepState{{Kind: "task", State: workflows.StepFailed}, {Kind: "external", State: second}},
		}}}
}

func TestPromotionStepLog(t *testing.T) {
	ts := newTestServer()
	ts.promotions.mu.Lock()
	ts.promotions.states[logPromotion] = stepsState(workflows.StepRunning)
	ts.promotions.mu.Unlock()
	ts.logs.append(logstore.PromotionKey(logPromotion, "p1", "prod", "deploy"), "deploying 1.0\ndone\n")
	ts.logs.append(logstore.PromotionKey(logPromotion, "p1", "prod", "verify-0"), "FAIL: /items answered 500\n")
	ts.logs.append(logstore.PromotionKey(logPromotion, "p1", "prod", "verify-1"), "report with: POST http://drover.test/api/v1/callbacks/t\n")

	base := "/api/v1/promotions/promote%2Fdemo%2F1.0/environments/prod/steps/"
	for _, tt := range []struct {
		name, target string
		status       int
		want         string // the body, or the error code
	}{
		{"deploy by name", base + "deploy/log", 200, "deploying 1.0\ndone\n"},
		{"deploy by number", base + "0/log", 200, "deploying 1.0\ndone\n"},
		{"failed check by number", base + "1/log", 200, "FAIL: /items answered 500\n"},
		{"second check by name", base + "verify-1/log", 200, "report with: POST http://drover.test/api/v1/callbacks/t\n"},
		{"a check not started yet", base + "verify-2/log", 404, "not_found"},
		{"no rollback ran", base + "rollback/log", 404, "not_found"},
		{"bad step", base + "lunch/log", 400, "bad_request"},
		{"unknown environment", "/api/v1/promotions/promote%2Fdemo%2F1.0/environments/qa/steps/deploy/log", 404, "not_found"},
		{"unknown promotion", "/api/v1/promotions/promote%2Fx%2F1/environments/prod/steps/deploy/log", 404, "not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(t, http.MethodGet, tt.target, "")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status != 200 {
				require.Equal(t, tt.want, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)
				return
			}
			require.Equal(t, tt.want, rec.Body.String())
		})
	}
}

func TestPromotionStepLogFollow(t *testing.T) {
	ts := newTestServer()
	set := func(st workflows.PromotionState) {
		ts.promotions.mu.Lock()
		ts.promotions.states[logPromotion] = st
		ts.promotions.mu.Unlock()
	}
	set(stepsState(workflows.StepRunning))
	key := logstore.PromotionKey(logPromotion, "p1", "prod", "verify-1")
	srv := httptestServer(t, ts.Handler())

	resp, err := http.Get(srv.URL + "/api/v1/promotions/promote%2Fdemo%2F1.0/environments/prod/steps/2/log?follow=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := readEvents(t, resp)
	ts.logs.append(key, "waiting for the verifier\n")
	require.Equal(t, sseEvent{data: "waiting for the verifier"}, nextEvent(t, events))
	ts.logs.append(key, "verifier said: success\n")
	set(stepsState(workflows.StepSucceeded))
	require.Equal(t, sseEvent{data: "verifier said: success"}, nextEvent(t, events))
	require.Equal(t, sseEvent{name: "end", data: "succeeded"}, nextEvent(t, events))

	// A finished step answers at once: its log, then the end.
	rec := ts.do(t, http.MethodGet, "/api/v1/promotions/promote%2Fdemo%2F1.0/environments/prod/steps/verify-0/log?follow=1", "")
	require.Equal(t, "event: end\ndata: failed\n\n", rec.Body.String(), "verify-0 has no log in this test")
}

// With an identity file a step log follows the project's read rule, and an
// external check's log (it holds the callback URL that completes the check)
// only shows to those who may promote.
func TestPromotionStepLogAuthorization(t *testing.T) {
	ts, _ := authzServer(t)
	st := stepsState(workflows.StepRunning)
	st.Project = "demo"
	ts.promotions.states[logPromotion] = st
	ts.logs.append(logstore.PromotionKey(logPromotion, "p1", "prod", "deploy"), "deployed\n")
	ts.logs.append(logstore.PromotionKey(logPromotion, "p1", "prod", "verify-1"), "report with: POST .../callbacks/secret\n")
	base := "/api/v1/promotions/promote%2Fdemo%2F1.0/environments/prod/steps/"
	for _, tt := range []struct {
		name, user, step string
		status           int
	}{
		{"no token", "", "deploy", 401},
		{"no role", "carol", "deploy", 403},
		{"builder reads the deploy", "alice", "deploy", 200},
		{"builder may not read the callback", "alice", "verify-1", 403},
		{"promoter reads the callback", "bob", "verify-1", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.user != "" {
				header = []string{"Authorization", "Bearer " + tt.user + "-token"}
			}
			rec := ts.do(t, http.MethodGet, base+tt.step+"/log", "", header...)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
		})
	}
}

// A verification that has not started may be an external check: following
// its log (which would show the callback URL once written) needs the
// promote role too.
func TestFollowingANotYetStartedCheckNeedsThePromoteRole(t *testing.T) {
	ts, _ := authzServer(t)
	st := stepsState(workflows.StepRunning)
	st.Project = "demo"
	ts.promotions.states[logPromotion] = st
	path := "/api/v1/promotions/promote%2Fdemo%2F1.0/environments/prod/steps/verify-2/log?follow=1"
	rec := ts.do(t, http.MethodGet, path, "", "Authorization", "Bearer alice-token")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
}
