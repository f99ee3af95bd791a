package api

import (
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

const cbToken = "tok-0123456789abcdefghijklmnopqrstuvwxyz"

func TestCallbacks(t *testing.T) {
	tests := []struct {
		name       string
		kind       string
		body       string
		result     any
		errType    string
		errMessage string
	}{
		{"deploy succeeded", contracts.CallbackDeploy, `{"status": "success", "message": "v1 live", "outputs": {"url": "https://x"}}`,
			contracts.DeployResult{Detail: "v1 live", Outputs: map[string]string{"url": "https://x"}}, "", ""},
		{"deploy failed", contracts.CallbackDeploy, `{"status": "failure", "message": "quota exceeded"}`,
			nil, contracts.ErrTypeDeployFailed, "quota exceeded"},
		{"check passed", contracts.CallbackExternal, `{"status": "success", "message": "412 tests"}`,
			contracts.CheckResult{Detail: "412 tests"}, "", ""},
		{"check failed without message", contracts.CallbackExternal, `{"status": "failure"}`,
			nil, contracts.ErrTypeCheckFailed, "external reported failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer()
			ts.Identity = testIdentity() // callbacks need no bearer token all the same
			ts.callbacks.callbacks[cbToken] = ledger.Callback{Token: cbToken, TaskToken: []byte("task-1"), Kind: tt.kind,
				PromotionID: "promote/demo/1", Environment: "prod"}

			rec := ts.do(t, http.MethodPost, "/api/v1/callbacks/"+cbToken, tt.body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.JSONEq(t, `{"status": "accepted"}`, rec.Body.String())
			require.Len(t, ts.completer.calls, 1)
			call := ts.completer.calls[0]
			require.Equal(t, []byte("task-1"), call.taskToken)
			require.Equal(t, tt.result, call.result)
			if tt.errType == "" {
				require.NoError(t, call.err)
			} else {
				var appErr *temporal.ApplicationError
				require.ErrorAs(t, call.err, &appErr)
				require.Equal(t, tt.errType, appErr.Type())
				require.Equal(t, tt.errMessage, appErr.Message())
				require.True(t, appErr.NonRetryable())
			}

			// A token works once.
			rec = ts.do(t, http.MethodPost, "/api/v1/callbacks/"+cbToken, tt.body)
			require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
			require.Equal(t, "callback already used", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
			require.Len(t, ts.completer.calls, 1)
		})
	}
}

func TestCallbackErrors(t *testing.T) {
	tests := []struct {
		name        string
		token       string
		body        string
		completeErr error
		status      int
		message     string
		consumed    bool
	}{
		{"unknown token", "nope", `{"status": "success"}`, nil, 404, "unknown or expired callback", false},
		{"bad status keeps the token", cbToken, `{"status": "done"}`, nil, 400, `status must be "success" or "failure"`, false},
		{"unknown field", cbToken, `{"status": "success", "token": "x"}`, nil, 400, `unknown field "token"`, false},
		{"step gone", cbToken, `{"status": "success"}`, serviceerror.NewNotFound("activity not found"), 409,
			"the step waiting for this callback has ended", true},
		{"temporal down", cbToken, `{"status": "success"}`, errors.New("dial 10.0.0.7"), 500, "internal error", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer()
			ts.completer.err = tt.completeErr
			ts.callbacks.callbacks[cbToken] = ledger.Callback{Token: cbToken, TaskToken: []byte("t"), Kind: contracts.CallbackDeploy}
			rec := ts.do(t, http.MethodPost, "/api/v1/callbacks/"+tt.token, tt.body)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, tt.message)
			require.Equal(t, tt.consumed, ts.callbacks.used[cbToken])
			require.NotContains(t, rec.Body.String(), cbToken)
		})
	}
}

// TestCallbackWithRealLedger consumes a token the ledger stored hashed.
func TestCallbackWithRealLedger(t *testing.T) {
	ctx := t.Context()
	led, err := ledger.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = led.Close() })
	require.NoError(t, led.CreateCallback(ctx, ledger.Callback{Token: cbToken, TaskToken: []byte("task-9"),
		Kind: contracts.CallbackExternal, PromotionID: "promote/demo/1", Environment: "prod",
		CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}))
	ts := newTestServer()
	ts.Callbacks = led

	rec := ts.do(t, http.MethodPost, "/api/v1/callbacks/"+cbToken+"x", `{"status": "success"}`)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	rec = ts.do(t, http.MethodPost, "/api/v1/callbacks/"+cbToken, `{"status": "success", "message": "ok"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []completion{{taskToken: []byte("task-9"), result: contracts.CheckResult{Detail: "ok"}}}, ts.completer.calls)
	rec = ts.do(t, http.MethodPost, "/api/v1/callbacks/"+cbToken, `{"status": "success"}`)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
}
