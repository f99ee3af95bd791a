package tests

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/workflows"
)

const (
	slackToken         = "xoxb-drover-test"
	slackSigningSecret = "e2e-signing-secret"
	slackChannelID     = "C0DEPLOYS"
)

// slackCall is one Slack Web API call the fake got; TS is the message's,
// given by the fake to a posted one.
type slackCall struct {
	Method, Channel, TS, Text, Blocks string
}

// fakeSlack speaks the part of Slack's Web API the worker uses
// (chat.postMessage, chat.update; form-encoded, answered as Slack documents)
// and serves interactions' response_url, over TLS as Slack does.
type fakeSlack struct {
	srv *httptest.Server

	mu      sync.Mutex
	calls   []slackCall
	posted  map[string]bool // ts of the messages posted
	answers []api.SlackResponse
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{posted: map[string]bool{}}
	f.srv = httptest.NewTLSServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/actions/") {
		f.serveResponseURL(w, r)
		return
	}
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	token := r.PostForm.Get("token")
	if token == "" {
		token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	call := slackCall{Method: method, Channel: r.PostForm.Get("channel"), TS: r.PostForm.Get("ts"),
		Text: r.PostForm.Get("text"), Blocks: r.PostForm.Get("blocks")}
	f.mu.Lock()
	defer f.mu.Unlock()
	var answer map[string]any
	switch {
	case token != slackToken:
		answer = map[string]any{"ok": false, "error": "invalid_auth"}
	case method == "chat.postMessage":
		// A posted message is recorded with the ts Slack gave it.
		call.TS = fmt.Sprintf("1700000000.%06d", len(f.calls)+1)
		f.posted[call.TS] = true
		answer = map[string]any{"ok": true, "channel": slackChannelID, "ts": call.TS,
			"message": map[string]any{"type": "message", "subtype": "bot_message", "text": call.Text, "ts": call.TS}}
	case method == "chat.update" && (call.Channel != slackChannelID || !f.posted[call.TS]):
		answer = map[string]any{"ok": false, "error": "message_not_found"}
	case method == "chat.update":
		answer = map[string]any{"ok": true, "channel": call.Channel, "ts": call.TS, "text": call.Text,
			"message": map[string]any{"text": call.Text}}
	default:
		answer = map[string]any{"ok": false, "error": "unknown_method"}
	}
	f.calls = append(f.calls, call)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(answer)
}

// serveResponseURL takes an answer to an interaction, as hooks.slack.com does.
func (f *fakeSlack) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	var a api.SlackResponse
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
		json.Unmarshal(body, &a) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.answers = append(f.answers, a)
	f.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (f *fakeSlack) snapshot() ([]slackCall, []api.SlackResponse) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...), append([]api.SlackResponse(nil), f.answers...)
}

// waitFor polls the fake until cond holds.
func (f *fakeSlack) waitFor(t *testing.T, what string, cond func([]slackCall, []api.SlackResponse) bool) ([]slackCall, []api.SlackResponse) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		calls, answers := f.snapshot()
		if cond(calls, answers) {
			return calls, answers
		}
		if time.Now().After(deadline) {
			t.Fatalf("fake Slack: %s not seen within a minute; calls: %+v; answers: %+v", what, calls, answers)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// responseURL is the response_url of an interaction, on the fake.
func (f *fakeSlack) responseURL(n int) string {
	return fmt.Sprintf("%s/actions/T0DROVER/%d/secret%d", f.srv.URL, n, n)
}

// caFile writes the fake's certificate for SSL_CERT_FILE.
func (f *fakeSlack) caFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "slack-ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// withSlack configures the API for Slack interactions answered on the
// fake: alice triggers builds; bob (U0BOB) approves; carol (U0CAROL) is
// linked to Slack but approves nothing.
func withSlack(t *testing.T, f *fakeSlack) harnessOption {
	var b strings.Builder
	b.WriteString("users:\n")
	for _, u := range []struct{ name, groups, slack string }{
		{"alice", "release", ""}, {"bob", "release", "U0BOB"}, {"carol", "", "U0CAROL"},
	} {
		fmt.Fprintf(&b, "  - {name: %s, token_sha256: %q, groups: [%s], slack_user: %q}\n",
			u.name, identity.HashToken(u.name+"-token"), u.groups, u.slack)
	}
	dir, err := identity.Parse("identities.yaml", []byte(b.String()))
	require.NoError(t, err)
	return func(s *api.Server) {
		s.Identity, s.SlackUsers = dir, dir
		s.SlackSigningSecret = slackSigningSecret
		s.SlackResponseHosts = []string{strings.TrimPrefix(f.srv.URL, "https://")}
		s.SlackHTTP = f.srv.Client()
	}
}

// clickSlack posts the interaction Slack sends when slackUser clicks the
// button actionID of the message ts, signed with secret.
func (h *harness) clickSlack(slackUser, actionID, value, ts, responseURL, secret string) *http.Response {
	h.t.Helper()
	payload, err := json.Marshal(map[string]any{
		"type":       "block_actions",
		"user":       map[string]string{"id": slackUser, "username": strings.ToLower(slackUser), "team_id": "T0DROVER"},
		"api_app_id": "A0DROVER",
		"team":       map[string]string{"id": "T0DROVER", "domain": "drover"},
		"container":  map[string]any{"type": "message", "message_ts": ts, "channel_id": slackChannelID, "is_ephemeral": false},
		"channel":    map[string]string{"id": slackChannelID, "name": "deploys"},
		"message":    map[string]any{"type": "message", "ts": ts},
		"trigger_id": "1.2.3", "response_url": responseURL,
		"actions": []map[string]any{{
			"type": "button", "action_id": actionID, "block_id": "approval", "value": value,
			"text": map[string]any{"type": "plain_text", "text": actionID}, "action_ts": "1700000100.000001",
		}},
	})
	require.NoError(h.t, err)
	body := url.Values{"payload": {string(payload)}}.Encode()
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + stamp + ":" + body))
	req, err := http.NewRequest(http.MethodPost, h.api.URL+"/api/v1/slack/interactions", strings.NewReader(body))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	resp.Body.Close()
	return resp
}

// approveButton is the value of the Approve button of a call's blocks.
func approveButton(c slackCall) (string, bool) {
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if json.Unmarshal([]byte(c.Blocks), &blocks) != nil {
		return "", false
	}
	for _, b := range blocks {
		for _, e := range b.Elements {
			if b.Type == "actions" && e.ActionID == api.SlackActionApprove {
				return e.Value, true
			}
		}
	}
	return "", false
}

func TestSlackApprovalMovesThePromotion(t *testing.T) {
	fake := newFakeSlack(t)
	h := newHarness(t, false, withSlack(t, fake))
	h.startWorkerProcess("DROVER_SLACK_TOKEN="+slackToken, "DROVER_SLACK_API_URL="+fake.srv.URL+"/api",
		"SSL_CERT_FILE="+fake.caFile(t))
	out := filepath.Join(t.TempDir(), "prod.txt")
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": fmt.Sprintf(`project: slack-demo
build:
  stages:
    - name: package
      tasks:
        - {name: app, checkout: false, run: "true"}
promotion:
  environments:
    - name: prod
      approval: {approvers: [bob]}
      deploy: {shell: 'echo "$DROVER_VERSION" > %s'}
notify:
  slack: {channel: "#deploys"}
`, out)})
	h.register("slack-demo", repo, legacyRoles)

	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	build := h.waitFor(created.ID, time.Minute, "the end and its promotion", promoted)
	require.Equal(t, workflows.StatusSucceeded, build.Status)
	id, version := build.PromotionID, commit[:12]
	h.waitForPromotion(id, time.Minute, "prod awaiting approval", awaiting("prod"))

	// The promotion's message gets Approve and Reject buttons.
	var withButtons slackCall
	fake.waitFor(t, "a message with approval buttons", func(calls []slackCall, _ []api.SlackResponse) bool {
		for _, c := range calls {
			if _, ok := approveButton(c); ok {
				withButtons = c
				return true
			}
		}
		return false
	})
	value, _ := approveButton(withButtons)
	require.Equal(t, id+"|prod", value)
	require.Contains(t, withButtons.Blocks, `"action_id":"reject"`)
	// A forged click is refused and decides nothing.
	resp := h.clickSlack("U0BOB", api.SlackActionApprove, value, withButtons.TS, fake.responseURL(0), "not-the-secret")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// Carol is linked but no approver: she is told why, only her, and the
	// promotion still waits.
	resp = h.clickSlack("U0CAROL", api.SlackActionApprove, value, withButtons.TS, fake.responseURL(1), slackSigningSecret)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, answers := fake.waitFor(t, "carol's refusal", func(_ []slackCall, a []api.SlackResponse) bool { return len(a) == 1 })
	require.Equal(t, "ephemeral", answers[0].ResponseType)
	require.False(t, answers[0].ReplaceOriginal)
	require.Contains(t, answers[0].Text, "not an approver: carol")
	st := h.promotion(id)
	require.Equal(t, workflows.EnvAwaitingApproval, envOf(st, "prod").State)

	// Bob approves from Slack: he is told, and the promotion deploys.
	resp = h.clickSlack("U0BOB", api.SlackActionApprove, value, withButtons.TS, fake.responseURL(2), slackSigningSecret)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, answers = fake.waitFor(t, "bob's confirmation", func(_ []slackCall, a []api.SlackResponse) bool { return len(a) == 2 })
	require.Equal(t, api.SlackResponse{ResponseType: "ephemeral", Text: "Approved prod of " + version + " (1 of 1)"}, answers[1])
	st = h.waitForPromotion(id, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, workflows.EnvDeployed, envOf(st, "prod").State)
	deployed, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, version+"\n", string(deployed))
	decisions, err := h.ledger.ListDecisions(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, decisions, 1)
	require.Equal(t, "bob", decisions[0].Actor)
	require.Equal(t, "slack", decisions[0].Channel)

	// The run's one message was updated in place until it said so.
	calls, _ := fake.waitFor(t, "the promotion's message saying completed", func(calls []slackCall, _ []api.SlackResponse) bool {
		last := calls[len(calls)-1]
		return last.Method == "chat.update" && last.TS == withButtons.TS && strings.Contains(last.Text, "completed")
	})
	var posts []slackCall
	updates := 0
	for _, c := range calls {
		switch c.Method {
		case "chat.postMessage":
			posts = append(posts, c)
		case "chat.update":
			require.Equal(t, slackChannelID, c.Channel, "updates use the channel Slack answered")
			if c.TS == withButtons.TS {
				updates++
			}
		default:
			t.Fatalf("unexpected Slack call %+v", c)
		}
	}
	require.Len(t, posts, 2, "one message for the build, one for the promotion: %+v", posts)
	var promotionPosts int
	for _, p := range posts {
		if p.TS == withButtons.TS {
			promotionPosts++
		}
	}
	require.Equal(t, 1, promotionPosts, "no second message for the promotion")
	for _, c := range calls {
		if c.Method == "chat.update" {
			require.True(t, c.TS == posts[0].TS || c.TS == posts[1].TS, "an update of a posted message: %+v", c)
		}
	}
	require.GreaterOrEqual(t, updates, 2)
	last := calls[len(calls)-1]
	require.Contains(t, last.Text, "*slack-demo "+version+"* promotion: completed")
	require.Contains(t, last.Blocks, "bob approved prod (1 of 1): from Slack")
	_, buttons := approveButton(last)
	require.False(t, buttons, "the buttons are gone once decided")
}
