package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/workflows"
)

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// slackTestServer serves with a signing secret and an identity file linking
// bob (group release) to the Slack account U0BOB and carol to U0CAROL; it
// authenticates like production, so a bearer token would be required of
// any other POST.
func slackTestServer(t *testing.T) *testServer {
	t.Helper()
	dir, err := identity.Parse("ids.yaml", []byte("users:\n"+
		"  - {name: bob, token_sha256: \""+identity.HashToken("bob-token")+"\", groups: [release], slack_user: U0BOB}\n"+
		"  - {name: carol, token_sha256: \""+identity.HashToken("carol-token")+"\", slack_user: U0CAROL}\n"))
	require.NoError(t, err)
	ts := newTestServer()
	ts.SlackSigningSecret = slackSecret
	ts.SlackUsers = dir
	ts.Identity = dir
	return ts
}

// slackBody is the form Slack posts when slackUser clicks the button
// actionID whose value is value.
func slackBody(t *testing.T, slackUser, actionID, value string) string {
	t.Helper()
	payload, err := json.Marshal(map[string]any{
		"type":         "block_actions",
		"user":         map[string]string{"id": slackUser, "username": "someone"},
		"response_url": "https://hooks.slack.invalid/actions/T0/1/x",
		"actions": []map[string]string{{
			"type": "button", "action_id": actionID, "block_id": "approval", "value": value,
		}},
	})
	require.NoError(t, err)
	return url.Values{"payload": {string(payload)}}.Encode()
}

// slackRequest signs body as Slack does, with the timestamp at and secret.
func slackRequest(body string, at time.Time, secret string) *http.Request {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	req := httptest.NewRequest(http.MethodPost, "/api/v1/slack/interactions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req
}

func serveSlack(ts *testServer, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

func slackAnswer(t *testing.T, rec *httptest.ResponseRecorder) SlackResponse {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var got SlackResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Equal(t, "ephemeral", got.ResponseType)
	require.False(t, got.ReplaceOriginal)
	require.Contains(t, rec.Body.String(), `"replace_original":false`)
	return got
}

func TestSlackInteractionDecides(t *testing.T) {
	tests := []struct {
		name   string
		action string
		result workflows.DecisionResult
		want   workflows.Decision
		text   string
	}{
		{"approve", SlackActionApprove, workflows.DecisionResult{State: workflows.GatePending, Approvals: 1, Required: 2},
			workflows.Decision{Environment: "prod", Approve: true, Actor: "bob", Groups: []string{"release"}, Comment: "from Slack", Channel: "slack"},
			"Approved prod of 1.4.0 (1 of 2)"},
		{"reject", SlackActionReject, workflows.DecisionResult{State: workflows.GateRejected},
			workflows.Decision{Environment: "prod", Approve: false, Actor: "bob", Groups: []string{"release"}, Comment: "from Slack", Channel: "slack"},
			"Rejected prod of 1.4.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := slackTestServer(t)
			ts.promotions.result = tt.result
			body := slackBody(t, "U0BOB", tt.action, "promote/web/1.4.0|prod")
			got := slackAnswer(t, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
			require.Equal(t, tt.text, got.Text)
			require.Equal(t, []workflows.Decision{tt.want}, ts.promotions.decisions)
		})
	}
}

func TestSlackInteractionRefusalsAreAnswers(t *testing.T) {
	tests := []struct {
		name string
		err  error
		text string
	}{
		{"not an approver", &RefusedError{Kind: RefusedNotApprover, Reason: "not an approver: carol is not in group:release"},
			"not an approver: carol is not in group:release"},
		{"already decided", &RefusedError{Kind: RefusedAlreadyDecided, Reason: "carol already approved prod"}, "carol already approved prod"},
		{"finished", ErrPromotionFinished, "The promotion of 1.4.0 is not running any more"},
		{"unknown promotion", ErrNotFound, "Promotion promote/web/1.4.0 not found"},
		{"no worker", ErrNoAnswer, "The promotion did not answer in time; try again in a moment"},
		{"internal", errors.New("dial tcp 10.0.0.7:7233: connection refused"),
			"Drover could not record your decision; try again, or decide with the drover CLI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := slackTestServer(t)
			ts.promotions.err = tt.err
			body := slackBody(t, "U0CAROL", SlackActionApprove, "promote/web/1.4.0|prod")
			got := slackAnswer(t, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
			require.Equal(t, tt.text, got.Text)
			require.Len(t, ts.promotions.decisions, 1)
			require.Equal(t, "carol", ts.promotions.decisions[0].Actor)
			require.Empty(t, ts.promotions.decisions[0].Groups)
		})
	}
}

func TestSlackInteractionUnknownUser(t *testing.T) {
	for _, slackUser := range []string{"U0MALLORY", ""} {
		ts := slackTestServer(t)
		body := slackBody(t, slackUser, SlackActionApprove, "promote/web/1.4.0|prod")
		got := slackAnswer(t, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
		require.Equal(t, "Your Slack account is not linked to a Drover user", got.Text)
		require.Empty(t, ts.promotions.decisions)
	}

	// Without a directory of Slack users nobody is linked.
	ts := slackTestServer(t)
	ts.SlackUsers = nil
	body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod")
	require.Equal(t, slackNotLinked, slackAnswer(t, serveSlack(ts, slackRequest(body, time.Now(), slackSecret))).Text)
	require.Empty(t, ts.promotions.decisions)
}

func TestSlackInteractionRefusesUnsigned(t *testing.T) {
	body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod")
	tests := []struct {
		name string
		req  func() *http.Request
		want string
	}{
		{"stale", func() *http.Request { return slackRequest(body, time.Now().Add(-6*time.Minute), slackSecret) }, "stale"},
		{"from the future", func() *http.Request { return slackRequest(body, time.Now().Add(6*time.Minute), slackSecret) }, "stale"},
		{"forged", func() *http.Request { return slackRequest(body, time.Now(), "not-the-secret") }, "invalid Slack signature"},
		{"body changed after signing", func() *http.Request {
			req := slackRequest(body, time.Now(), slackSecret)
			forged := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/6.6.6|prod")
			req.Body = io.NopCloser(strings.NewReader(forged))
			req.ContentLength = int64(len(forged))
			return req
		}, "invalid Slack signature"},
		{"timestamp changed after signing", func() *http.Request {
			req := slackRequest(body, time.Now(), slackSecret)
			req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(time.Now().Unix()+1, 10))
			return req
		}, "invalid Slack signature"},
		{"unsigned", func() *http.Request {
			req := slackRequest(body, time.Now(), slackSecret)
			req.Header.Del("X-Slack-Signature")
			return req
		}, "missing Slack signature"},
		{"a bearer token is no signature", func() *http.Request {
			req := slackRequest(body, time.Now(), slackSecret)
			req.Header.Del("X-Slack-Signature")
			req.Header.Set("Authorization", "Bearer bob-token")
			return req
		}, "missing Slack signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := slackTestServer(t)
			rec := serveSlack(ts, tt.req())
			require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
			require.Contains(t, rec.Body.String(), tt.want)
			require.NotContains(t, rec.Body.String(), slackSecret)
			require.Empty(t, ts.promotions.decisions)
		})
	}
}

func TestSlackInteractionOff(t *testing.T) {
	ts := slackTestServer(t)
	ts.SlackSigningSecret = ""
	body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod")
	rec := serveSlack(ts, slackRequest(body, time.Now(), ""))
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Empty(t, ts.promotions.decisions)
}

func TestSlackInteractionBodyLimit(t *testing.T) {
	ts := slackTestServer(t)
	ts.MaxBody = 256
	body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod"+strings.Repeat("x", 300))
	req := slackRequest(body, time.Now(), slackSecret)
	rec := serveSlack(ts, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)

	// Without a declared length the limit applies while reading.
	req = slackRequest(body, time.Now(), slackSecret)
	req.ContentLength = -1
	rec = serveSlack(ts, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	require.Empty(t, ts.promotions.decisions)
}

func TestSlackInteractionIgnoresOthers(t *testing.T) {
	tests := []struct {
		name string
		body string
		code int
		text string
	}{
		{"another button", slackBody(t, "U0BOB", "open-build", "https://drover.test/builds/x"), http.StatusOK, ""},
		{"another interaction", url.Values{"payload": {`{"type":"view_closed","user":{"id":"U0BOB"}}`}}.Encode(), http.StatusOK, ""},
		{"a button without a promotion", slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0"), http.StatusOK,
			"This button names no promotion; decide with the drover CLI instead"},
		{"no payload", "hello=world", http.StatusBadRequest, ""},
		{"bad payload", url.Values{"payload": {"{not json"}}.Encode(), http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := slackTestServer(t)
			rec := serveSlack(ts, slackRequest(tt.body, time.Now(), slackSecret))
			require.Equal(t, tt.code, rec.Code, rec.Body.String())
			if tt.text != "" {
				require.Equal(t, tt.text, slackAnswer(t, rec).Text)
			} else if tt.code == http.StatusOK {
				require.Empty(t, rec.Body.String())
			}
			require.Empty(t, ts.promotions.decisions)
		})
	}
}

func TestVersionOf(t *testing.T) {
	require.Equal(t, "1.4.0", versionOf(workflows.PromotionID("web", "1.4.0")))
	require.Equal(t, "odd-id", versionOf("odd-id"))
	require.Equal(t, "promote/web", versionOf("promote/web"))
}

func TestConfigSlackSigningSecret(t *testing.T) {
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"DROVER_SLACK_SIGNING_SECRET": slackSecret}[k]
	})
	require.NoError(t, err)
	require.Equal(t, slackSecret, cfg.SlackSigningSecret)
}
