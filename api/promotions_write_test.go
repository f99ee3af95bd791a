package api

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

const promoPath = "/api/v1/promotions/promote%2Fdemo%2F1.0"

func TestDecide(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	ts.promotions.result = workflows.DecisionResult{Environment: "prod", State: workflows.GatePending, Approvals: 1, Required: 2}

	// The channel is the server's: a header naming another is ignored.
	rec := ts.do(t, http.MethodPost, promoPath+"/approve", `{"environment": "prod", "comment": " ship it ", "request_id": "req-1"}`,
		"Authorization", "Bearer "+aliceToken, ChannelHeader, "cli", UserHeader, "mallory")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, ts.promotions.result, decodeBody[workflows.DecisionResult](t, rec.Body.Bytes()))
	require.Equal(t, workflows.Decision{Environment: "prod", Approve: true, Actor: "alice", Groups: []string{"release"},
		Comment: "ship it", Channel: "api"}, ts.promotions.decisions[0])
	require.Equal(t, "req-1", ts.promotions.proofs[0].Nonce, "the request id is the decision's nonce")

	// The ID may come as ?id=; the request id as Idempotency-Key.
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions/-/reject?id=promote/demo/1.0", `{"environment": "prod", "comment": "broken"}`,
		"Authorization", "Bearer "+bobToken, ChannelHeader, "slack", IdempotencyKeyHeader, "key-2")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, workflows.Decision{Environment: "prod", Approve: false, Actor: "bob", Comment: "broken", Channel: "api"},
		ts.promotions.decisions[1])
	require.Equal(t, "key-2", ts.promotions.proofs[1].Nonce)

	// A malformed request id is a 400.
	rec = ts.do(t, http.MethodPost, promoPath+"/approve", `{"environment": "prod", "request_id": "a b\n"}`,
		"Authorization", "Bearer "+aliceToken)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
}

func TestDecideErrors(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		body    string
		err     error
		status  int
		code    string
		message string
	}{
		{"not an approver", "/approve", `{"environment": "prod"}`,
			&RefusedError{Kind: RefusedNotApprover, Reason: "not an approver: bob is not in [alice group:release]"},
			403, "forbidden", "not an approver: bob is not in [alice group:release]"},
		{"self-approval", "/approve", `{"environment": "prod"}`,
			&RefusedError{Kind: RefusedSelfApproval, Reason: "self-approval: alice triggered this version"},
			403, "forbidden", "self-approval: alice triggered this version"},
		{"already decided", "/approve", `{"environment": "prod"}`,
			&RefusedError{Kind: RefusedAlreadyDecided, Reason: "already decided: alice already approved"},
			409, "conflict", "already decided: alice already approved"},
		{"not pending", "/reject", `{"environment": "dev", "comment": "x"}`,
			&RefusedError{Kind: RefusedNotPending, Reason: "not pending: environment dev has no pending approval"},
			409, "conflict", "not pending: environment dev has no pending approval"},
		{"superseded", "/approve", `{"environment": "prod"}`,
			&RefusedError{Kind: RefusedSuperseded, Reason: "superseded: 1.1 replaced 1.0"}, 409, "conflict", "superseded: 1.1 replaced 1.0"},
		{"unknown promotion", "/approve", `{"environment": "prod"}`, ErrNotFound, 404, "not_found", "promotion promote/demo/1.0 not found"},
		{"finished promotion", "/approve", `{"environment": "prod"}`, ErrPromotionFinished, 409, "conflict",
			"promotion promote/demo/1.0 is not running"},
		{"no worker", "/approve", `{"environment": "prod", "request_id": "r-9"}`, ErrNoAnswer, 503, "unavailable",
			"the decision may have been applied; retry with the same request id (r-9) to learn the outcome"},
		{"internal", "/approve", `{"environment": "prod"}`, errors.New("dial 10.0.0.7: refused"), 500, "internal", "internal error"},
		{"no environment", "/approve", `{"comment": "ok"}`, nil, 400, "bad_request", "environment is required"},
		{"rejection without comment", "/reject", `{"environment": "prod"}`, nil, 400, "bad_request", "a rejection needs a comment"},
		{"unknown field", "/approve", `{"environment": "prod", "actor": "alice"}`, nil, 400, "bad_request", `unknown field "actor"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer()
			ts.Identity = testIdentity()
			ts.Registry = testRegistry()
			ts.promotions.err = tt.err
			rec := ts.do(t, http.MethodPost, promoPath+tt.path, tt.body, "Authorization", "Bearer "+bobToken)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			body := decodeBody[ErrorBody](t, rec.Body.Bytes())
			require.Equal(t, tt.code, body.Error.Code)
			require.Contains(t, body.Error.Message, tt.message)
			require.NotContains(t, rec.Body.String(), "10.0.0.7")
		})
	}
}

func TestSkipBakeAndCancel(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	auth := []string{"Authorization", "Bearer " + aliceToken}

	rec := ts.do(t, http.MethodPost, promoPath+"/skip-bake", `{"environment": "staging", "reason": "hotfix"}`, auth...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []workflows.SkipBake{{Environment: "staging", Actor: "alice", Reason: "hotfix", Channel: "api"}}, ts.promotions.skips)
	rec = ts.do(t, http.MethodPost, promoPath+"/skip-bake", `{"environment": "staging"}`, auth...)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())

	rec = ts.do(t, http.MethodPost, promoPath+"/cancel", "", auth...)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	ts.promotions.states["promote/demo/1.0"] = workflows.PromotionState{ID: "promote/demo/1.0", Status: workflows.PromotionRunning}
	rec = ts.do(t, http.MethodPost, promoPath+"/cancel", "", auth...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, PromotionActionResponse{ID: "promote/demo/1.0", Status: "cancelling"},
		decodeBody[PromotionActionResponse](t, rec.Body.Bytes()))
	require.Equal(t, []string{"promote/demo/1.0"}, ts.promotions.canceled)
	ts.promotions.states["promote/demo/1.0"] = workflows.PromotionState{ID: "promote/demo/1.0", Status: workflows.PromotionStopped}
	rec = ts.do(t, http.MethodPost, promoPath+"/cancel", "", auth...)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
}
