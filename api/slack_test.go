package api

import (
	"context"
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

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// slackHooks fakes Slack's response_url endpoint (hooks.slack.com) over
// TLS: every answer posted to it arrives on got, its raw body on raw.
type slackHooks struct {
	srv *httptest.Server
	got chan SlackResponse
	raw chan string
}

func newSlackHooks(t *testing.T) *slackHooks {
	t.Helper()
	h := &slackHooks{got: make(chan SlackResponse, 8), raw: make(chan string, 8)}
	h.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/actions/T0/1/x", http.StatusFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var got SlackResponse
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
			json.Unmarshal(body, &got) != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		h.got <- got
		h.raw <- string(body)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// url is a response_url on the fake.
func (h *slackHooks) url() string { return h.srv.URL + "/actions/T0/1/x" }

// answer waits for the one answer posted to the fake.
func (h *slackHooks) answer(t *testing.T) SlackResponse {
	t.Helper()
	select {
	case got := <-h.got:
		raw := <-h.raw
		require.Equal(t, "ephemeral", got.ResponseType)
		require.False(t, got.ReplaceOriginal)
		require.Contains(t, raw, `"replace_original":false`)
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("no answer was posted to the response_url")
		return SlackResponse{}
	}
}

// slackTestServer serves with a signing secret and an identity file linking
// bob (group release) to the Slack account U0BOB and carol to U0CAROL; it
// authenticates like production, so a bearer token would be required of
// any other POST. Answers go to the returned fake response_url host.
func slackTestServer(t *testing.T) (*testServer, *slackHooks) {
	t.Helper()
	dir, err := identity.Parse("ids.yaml", []byte("users:\n"+
		"  - {name: bob, token_sha256: \""+identity.HashToken("bob-token")+"\", groups: [release], slack_user: U0BOB}\n"+
		"  - {name: carol, token_sha256: \""+identity.HashToken("carol-token")+"\", slack_user: U0CAROL}\n"))
	require.NoError(t, err)
	hooks := newSlackHooks(t)
	ts := newTestServer()
	ts.SlackSigningSecret = slackSecret
	ts.SlackUsers = dir
	ts.Identity = dir
	ts.Registry = slackRegistry(t, "bob, carol")
	ts.SlackResponseHosts = []string{strings.TrimPrefix(hooks.srv.URL, "https://")}
	ts.SlackHTTP = hooks.srv.Client()
	return ts, hooks
}

// slackBody is the form Slack posts when slackUser clicks the button
// actionID whose value is value; answers go to responseURL.
func slackBody(t *testing.T, slackUser, actionID, value, responseURL string) string {
	t.Helper()
	return slackClickBody(t, slackUser, "", "", actionID, value, responseURL)
}

// slackClickBody is slackBody of the click with trigger_id triggerID at
// action_ts actionTs.
func slackClickBody(t *testing.T, slackUser, triggerID, actionTs, actionID, value, responseURL string) string {
	t.Helper()
	payload, err := json.Marshal(map[string]any{
		"type":         "block_actions",
		"user":         map[string]string{"id": slackUser, "username": "someone"},
		"trigger_id":   triggerID,
		"response_url": responseURL,
		"actions": []map[string]string{{
			"type": "button", "action_id": actionID, "block_id": "approval", "value": value, "action_ts": actionTs,
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

// slackAnswer checks that Slack got an empty 200 at once, as it ignores
// the body of an answer to a block action, and returns the answer posted
// to the response_url.
func slackAnswer(t *testing.T, hooks *slackHooks, rec *httptest.ResponseRecorder) SlackResponse {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Empty(t, rec.Body.String())
	return hooks.answer(t)
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
			ts, hooks := slackTestServer(t)
			ts.promotions.result = tt.result
			body := slackBody(t, "U0BOB", tt.action, "promote/web/1.4.0|prod", hooks.url())
			got := slackAnswer(t, hooks, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
			require.Equal(t, tt.text, got.Text)
			require.Equal(t, []workflows.Decision{tt.want}, ts.decisions())
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
		{"no worker", ErrNoAnswer,
			"The promotion did not answer in time: your decision may have been applied; click again to learn the outcome"},
		{"unknown outcome", ErrMayHaveBeenApplied,
			"The promotion did not answer in time: your decision may have been applied; click again to learn the outcome"},
		{"internal", errors.New("dial tcp 10.0.0.7:7233: connection refused"),
			"Drover could not record your decision; try again, or decide with the drover CLI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, hooks := slackTestServer(t)
			ts.promotions.err = tt.err
			body := slackBody(t, "U0CAROL", SlackActionApprove, "promote/web/1.4.0|prod", hooks.url())
			got := slackAnswer(t, hooks, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
			require.Equal(t, tt.text, got.Text)
			decisions := ts.decisions()
			require.Len(t, decisions, 1)
			require.Equal(t, "carol", decisions[0].Actor)
			require.Empty(t, decisions[0].Groups)
		})
	}
}

// slackRegistry registers project web, promoted by promoters.
func slackRegistry(t *testing.T, promoters string) *registry.Registry {
	t.Helper()
	r, err := registry.Parse("projects.yaml", []byte("projects:\n  - name: web\n    paths: [/srv/web]\n"+
		"    roles: {promote: ["+promoters+"]}\n"))
	require.NoError(t, err)
	return r
}

func TestSlackInteractionNeedsTheRole(t *testing.T) {
	ts, hooks := slackTestServer(t)
	audit := &fakeAudit{}
	ts.Registry, ts.Audit = slackRegistry(t, "bob"), audit
	body := slackBody(t, "U0CAROL", SlackActionApprove, "promote/web/1.4.0|prod", hooks.url())
	got := slackAnswer(t, hooks, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
	require.Equal(t, "Refused: carol lacks role promote on project web", got.Text)
	require.Empty(t, ts.decisions(), "a refused decision never reaches the promotion")
	require.Len(t, audit.entries, 1)
	require.Equal(t, ledger.AuditEntry{Actor: "carol", Action: "approve", Project: "web", Target: "promote/web/1.4.0",
		Channel: "slack", Outcome: ledger.AuditRefused, Reason: "carol lacks role promote on project web"}, audit.entries[0])
}

func TestSlackInteractionUnknownUser(t *testing.T) {
	for _, slackUser := range []string{"U0MALLORY", ""} {
		ts, hooks := slackTestServer(t)
		body := slackBody(t, slackUser, SlackActionApprove, "promote/web/1.4.0|prod", hooks.url())
		got := slackAnswer(t, hooks, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
		require.Equal(t, "Your Slack account is not linked to a Drover user", got.Text)
		require.Empty(t, ts.decisions())
	}

	// Without a directory of Slack users nobody is linked.
	ts, hooks := slackTestServer(t)
	ts.SlackUsers = nil
	body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod", hooks.url())
	require.Equal(t, slackNotLinked, slackAnswer(t, hooks, serveSlack(ts, slackRequest(body, time.Now(), slackSecret))).Text)
	require.Empty(t, ts.decisions())
}

// A response_url Drover may not post to does not stop the decision: the
// run's message shows it; only the answer to the clicking user is lost.
func TestSlackInteractionAnswersOnlyAllowedHosts(t *testing.T) {
	tests := []struct {
		name        string
		responseURL func(h *slackHooks) string
		hosts       []string
	}{
		{"not configured: only hooks.slack.com", func(h *slackHooks) string { return h.url() }, nil},
		{"plain http", func(h *slackHooks) string { return strings.Replace(h.url(), "https://", "http://", 1) }, []string{"configured"}},
		{"another host", func(*slackHooks) string { return "https://169.254.169.254/latest/meta-data" }, []string{"configured"}},
		{"a redirect", func(h *slackHooks) string { return h.srv.URL + "/redirect" }, []string{"configured"}},
		{"none", func(*slackHooks) string { return "" }, []string{"configured"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, hooks := slackTestServer(t)
			if tt.hosts == nil {
				ts.SlackResponseHosts = nil
			}
			body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod", tt.responseURL(hooks))
			rec := serveSlack(ts, slackRequest(body, time.Now(), slackSecret))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			ts.slackReplies.Wait()
			require.Len(t, ts.decisions(), 1)
			require.Empty(t, hooks.got)
		})
	}
}

func TestSlackResponseURL(t *testing.T) {
	s := &Server{}
	for raw, ok := range map[string]bool{
		"https://hooks.slack.com/actions/T0/1/x":     true,
		"https://HOOKS.slack.com/actions/T0/1/x":     true,
		"https://hooks.slack.com:443/actions/T0/1/x": true,
		"http://hooks.slack.com/actions/T0/1/x":      false,
		"https://hooks.slack.com:8443/actions":       false,
		"https://hooks.slack.com.evil.test/actions":  false,
		"https://evil.test/hooks.slack.com":          false,
		"https://hooks.slack.com@evil.test/actions":  false,
		"https://evil.test#@hooks.slack.com":         false,
		"//hooks.slack.com/actions":                  false,
		"":                                           false,
		"https://[::1":                               false,
	} {
		_, err := s.slackResponseURL(raw)
		require.Equal(t, ok, err == nil, "%q: %v", raw, err)
		if err != nil {
			require.NotContains(t, err.Error(), "/actions", "errors do not quote the response_url")
		}
	}
	s.SlackResponseHosts = []string{"127.0.0.1:8443"}
	_, err := s.slackResponseURL("https://127.0.0.1:8443/actions/x")
	require.NoError(t, err)
	_, err = s.slackResponseURL("https://hooks.slack.com/actions/x")
	require.Error(t, err, "configured hosts replace the default")
	_, err = s.slackResponseURL("https://127.0.0.1:9443/actions/x")
	require.Error(t, err)
}

func TestReplySlackRefusesRedirects(t *testing.T) {
	ts, hooks := slackTestServer(t)
	err := ts.replySlack(t.Context(), hooks.srv.URL+"/redirect", ephemeral("hello"))
	require.ErrorContains(t, err, "302")
	require.NotContains(t, err.Error(), "/redirect")
	require.Empty(t, hooks.got)
}

func TestSlackInteractionRefusesUnsigned(t *testing.T) {
	body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod", "https://hooks.slack.com/actions/T0/1/x")
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
			forged := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/6.6.6|prod", "https://hooks.slack.com/actions/T0/1/x")
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
			ts, hooks := slackTestServer(t)
			rec := serveSlack(ts, tt.req())
			require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
			require.Contains(t, rec.Body.String(), tt.want)
			require.NotContains(t, rec.Body.String(), slackSecret)
			ts.slackReplies.Wait()
			require.Empty(t, ts.decisions())
			require.Empty(t, hooks.got)
		})
	}
}

func TestSlackInteractionOff(t *testing.T) {
	ts, hooks := slackTestServer(t)
	ts.SlackSigningSecret = ""
	body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod", hooks.url())
	rec := serveSlack(ts, slackRequest(body, time.Now(), ""))
	require.Equal(t, http.StatusNotFound, rec.Code)
	ts.slackReplies.Wait()
	require.Empty(t, ts.decisions())
}

func TestSlackInteractionBodyLimit(t *testing.T) {
	ts, hooks := slackTestServer(t)
	ts.MaxBody = 256
	body := slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0|prod"+strings.Repeat("x", 300), hooks.url())
	req := slackRequest(body, time.Now(), slackSecret)
	rec := serveSlack(ts, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)

	// Without a declared length the limit applies while reading.
	req = slackRequest(body, time.Now(), slackSecret)
	req.ContentLength = -1
	rec = serveSlack(ts, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	ts.slackReplies.Wait()
	require.Empty(t, ts.decisions())
}

func TestSlackInteractionIgnoresOthers(t *testing.T) {
	hooksURL := "https://hooks.slack.com/actions/T0/1/x"
	tests := []struct {
		name string
		body string
		code int
		text string
	}{
		{"another button", slackBody(t, "U0BOB", "open-build", "https://drover.test/builds/x", hooksURL), http.StatusOK, ""},
		{"another interaction", url.Values{"payload": {`{"type":"view_closed","user":{"id":"U0BOB"}}`}}.Encode(), http.StatusOK, ""},
		{"a button without a promotion", slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0", ""), http.StatusOK,
			"This button names no promotion; decide with the drover CLI instead"},
		{"no payload", "hello=world", http.StatusBadRequest, ""},
		{"bad payload", url.Values{"payload": {"{not json"}}.Encode(), http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, hooks := slackTestServer(t)
			body := tt.body
			if tt.text != "" {
				// The answer goes to this test's fake response_url.
				body = slackBody(t, "U0BOB", SlackActionApprove, "promote/web/1.4.0", hooks.url())
			}
			rec := serveSlack(ts, slackRequest(body, time.Now(), slackSecret))
			require.Equal(t, tt.code, rec.Code, rec.Body.String())
			if tt.text != "" {
				require.Equal(t, tt.text, slackAnswer(t, hooks, rec).Text)
			} else if tt.code == http.StatusOK {
				require.Empty(t, rec.Body.String())
			}
			ts.slackReplies.Wait()
			require.Empty(t, ts.decisions())
		})
	}
}

func TestVersionOf(t *testing.T) {
	require.Equal(t, "1.4.0", versionOf(contracts.PromotionID("web", "1.4.0")))
	require.Equal(t, "odd-id", versionOf("odd-id"))
	require.Equal(t, "promote/web", versionOf("promote/web"))
}

func TestConfigSlackSigningSecret(t *testing.T) {
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"DROVER_SLACK_SIGNING_SECRET": slackSecret}[k]
	})
	require.NoError(t, err)
	require.Equal(t, slackSecret, cfg.SlackSigningSecret)
	require.Empty(t, cfg.SlackResponseHosts)

	cfg, err = ConfigFromEnv(func(k string) string {
		return map[string]string{"DROVER_SLACK_RESPONSE_HOSTS": " hooks.slack.com, slack.test:8443,"}[k]
	})
	require.NoError(t, err)
	require.Equal(t, []string{"hooks.slack.com", "slack.test:8443"}, cfg.SlackResponseHosts)
}

// decisions reads the fake's decisions under its lock: Slack's are taken
// after the handler has answered.
func (ts *testServer) decisions() []workflows.Decision {
	ts.promotions.mu.Lock()
	defer ts.promotions.mu.Unlock()
	return append([]workflows.Decision(nil), ts.promotions.decisions...)
}

func TestWaitSlackAnswers(t *testing.T) {
	s := &Server{}
	s.slackReplies.Add(1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s.waitSlackAnswers(ctx) // gives up when the shutdown's time is over
	s.slackReplies.Done()
	s.waitSlackAnswers(t.Context())
}

func TestSlackRequestIDComesFromTheClick(t *testing.T) {
	const click = "U0BOB|13345224609.738474920.8088930838d88f008e0|1700000000.000100|" + SlackActionApprove + "|promote/web/1.4.0|prod"
	tests := []struct {
		name          string
		first, second string // user|trigger_id|action_ts|button|promotion|environment; first "": click
		same          bool
	}{
		{name: "redelivered", second: click, same: true},
		{name: "another click", second: "U0BOB|13345224609.738474920.8088930838d88f008e0|1700000005.000200|approve|promote/web/1.4.0|prod"},
		{name: "another trigger", second: "U0BOB|99999999999.738474920.8088930838d88f008e0|1700000000.000100|approve|promote/web/1.4.0|prod"},
		{name: "another user", second: "U0CAROL|13345224609.738474920.8088930838d88f008e0|1700000000.000100|approve|promote/web/1.4.0|prod"},
		{name: "another button", second: "U0BOB|13345224609.738474920.8088930838d88f008e0|1700000000.000100|reject|promote/web/1.4.0|prod"},
		{name: "another environment", second: "U0BOB|13345224609.738474920.8088930838d88f008e0|1700000000.000100|approve|promote/web/1.4.0|staging"},
		{name: "another promotion", second: "U0BOB|13345224609.738474920.8088930838d88f008e0|1700000000.000100|approve|promote/web/1.5.0|prod"},
		{name: "no trigger nor action time: new ids", first: "U0BOB|||approve|promote/web/1.4.0|prod",
			second: "U0BOB|||approve|promote/web/1.4.0|prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, hooks := slackTestServer(t)
			ts.promotions.result = workflows.DecisionResult{State: workflows.GatePending, Approvals: 1, Required: 2}
			first := tt.first
			if first == "" {
				first = click
			}
			for _, c := range []string{first, tt.second} {
				p := strings.SplitN(c, "|", 6)
				body := slackClickBody(t, p[0], p[1], p[2], p[3], p[4]+"|"+p[5], hooks.url())
				slackAnswer(t, hooks, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
			}
			ts.promotions.mu.Lock()
			proofs := ts.promotions.proofs
			ts.promotions.mu.Unlock()
			require.Len(t, proofs, 2)
			for _, p := range proofs {
				require.True(t, saneRequestID(p.Nonce), p.Nonce)
			}
			if tt.same {
				require.Equal(t, proofs[0].Nonce, proofs[1].Nonce)
				require.True(t, strings.HasPrefix(proofs[0].Nonce, "slack-"), proofs[0].Nonce)
			} else {
				require.NotEqual(t, proofs[0].Nonce, proofs[1].Nonce)
			}
		})
	}
}

func TestSlackRedeliveredClickLearnsTheFirstOutcome(t *testing.T) {
	ts, hooks := slackTestServer(t)
	body := slackClickBody(t, "U0BOB", "13345224609.738474920.8088930838d88f008e0", "1700000000.000100",
		SlackActionApprove, "promote/web/1.4.0|prod", hooks.url())

	// The first delivery's decision lands, but its answer comes too late.
	ts.promotions.mu.Lock()
	ts.promotions.err = ErrNoAnswer
	ts.promotions.mu.Unlock()
	got := slackAnswer(t, hooks, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
	require.Equal(t, SlackNoAnswer, got.Text)

	ts.promotions.mu.Lock()
	nonce := ts.promotions.proofs[0].Nonce
	ts.promotions.states["promote/web/1.4.0"] = workflows.PromotionState{ID: "promote/web/1.4.0", Status: workflows.PromotionRunning,
		Environments: []workflows.EnvironmentState{{Name: "prod", Gates: []workflows.GateState{{State: workflows.GatePending, Required: 2,
			Decisions: []workflows.DecisionInfo{{Actor: "bob", Approve: true, RequestID: nonce}}}}}}}
	// The promotion refuses the same request id again.
	ts.promotions.err = &RefusedError{Kind: RefusedAlreadyDecided, Reason: "unauthenticated: replayed: request " + nonce + " was used already"}
	ts.promotions.mu.Unlock()

	got = slackAnswer(t, hooks, serveSlack(ts, slackRequest(body, time.Now(), slackSecret)))
	require.Equal(t, "Approved prod of 1.4.0 (1 of 2)", got.Text)
}
