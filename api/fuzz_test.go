package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
)

// The fuzz targets below feed what the outside world sends to the handlers
// that parse it, past authentication (each body is signed as the sender
// signs it), and require an answer below 500: a malformed delivery is the
// sender's problem, never a server error or a panic.

// fuzzHook fuzzes the webhook of forge with the payloads in testdata/hooks
// whose names start with seedPrefix as seeds.
func fuzzHook(f *testing.F, forge, seedPrefix string, events ...string) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "hooks", seedPrefix+"*.json"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed payloads for %s: %v", forge, err)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, ev := range events {
			f.Add(ev, string(data))
		}
	}
	f.Add(events[0], `{"ref": "refs/heads/main", "after": "`+strings.Repeat("0", 40)+`", "commits": [null, {}]}`)
	f.Add(events[0], `{"ref": 1, "after": [], "repository": {"clone_url": "-oProxyCommand=x"}}`)
	ts := newTestServer()
	ts.HookSecrets = map[string]string{"DEMO": hookSecretValue}
	f.Fuzz(func(t *testing.T, event, body string) {
		rec := ts.do(t, http.MethodPost, "/api/v1/hooks/demo/"+forge, body, hookHeaders(forge, event, body, hookSecretValue)...)
		if rec.Code >= 500 {
			t.Fatalf("%s %q delivery answered %d: %s", forge, event, rec.Code, rec.Body.String())
		}
	})
}

func FuzzHookGitHub(f *testing.F) { fuzzHook(f, "github", "github", "push", "ping") }
func FuzzHookGitea(f *testing.F)  { fuzzHook(f, "gitea", "gitea", "push") }
func FuzzHookGogs(f *testing.F)   { fuzzHook(f, "gogs", "gogs", "push") }
func FuzzHookGitLab(f *testing.F) { fuzzHook(f, "gitlab", "gitlab", "Push Hook", "Tag Push Hook") }

// refusingTransport fails every request: no fuzzed answer leaves the machine.
type refusingTransport struct{}

func (refusingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in fuzzing")
}

// FuzzSlackInteraction fuzzes signed Slack interaction bodies (form-encoded
// payload=<json>).
func FuzzSlackInteraction(f *testing.F) {
	dir, err := identity.Parse("ids.yaml", []byte("users:\n"+
		"  - {name: bob, token_sha256: \""+identity.HashToken("bob-token")+"\", groups: [release], slack_user: U0BOB}\n"))
	if err != nil {
		f.Fatal(err)
	}
	ts := newTestServer()
	ts.SlackSigningSecret, ts.SlackUsers, ts.Identity = slackSecret, dir, dir
	ts.SlackResponseHosts = []string{"slack.invalid"}
	ts.SlackHTTP = &http.Client{Transport: refusingTransport{}}
	for _, s := range []string{
		`payload={"type":"block_actions","user":{"id":"U0BOB"},"response_url":"https://slack.invalid/x","actions":[{"type":"button","action_id":"approve","value":"promote/demo/1|staging"}]}`,
		`payload={"type":"block_actions","user":{"id":"U0BOB"},"actions":[{"action_id":"reject","value":"|"}]}`,
		`payload={"type":"block_actions","actions":[null]}`,
		`payload={"type":"view_submission"}`,
		`payload=%ZZ`,
		`payload=`,
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, slackRequest(body, time.Now(), slackSecret))
		if rec.Code >= 500 {
			t.Fatalf("slack interaction answered %d: %s", rec.Code, rec.Body.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ts.waitSlackAnswers(ctx)
	})
}

// FuzzCallback fuzzes the bodies of callback reports to a known token.
func FuzzCallback(f *testing.F) {
	for _, s := range []string{
		`{"status": "success", "message": "deployed", "outputs": {"url": "https://x"}}`,
		`{"status": "failure", "message": ""}`,
		`{"status": "success", "outputs": {"a": 1}}`,
		`{"status": "nope"}`,
		`{"status": "success"} {"status": "failure"}`,
		`[]`, `null`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		ts := newTestServer()
		ts.callbacks.callbacks["tok"] = ledger.Callback{Token: "tok", TaskToken: []byte("task"), Kind: "deploy", PromotionID: "promote/demo/1"}
		rec := ts.do(t, http.MethodPost, "/api/v1/callbacks/tok", body)
		if rec.Code >= 500 {
			t.Fatalf("callback answered %d: %s", rec.Code, rec.Body.String())
		}
	})
}
