package activities_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/activities"
)

// slackCall is one request the fake Slack API got.
type slackCall struct {
	Method string
	Form   url.Values
}

// fakeSlack speaks chat.postMessage and chat.update; a channel named
// "missing" does not exist.
type fakeSlack struct {
	mu    sync.Mutex
	calls []slackCall
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/")
	f.mu.Lock()
	f.calls = append(f.calls, slackCall{Method: method, Form: r.PostForm})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	ch := r.PostForm.Get("channel")
	switch {
	case ch == "missing":
		_, _ = w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
	case method == "chat.postMessage":
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C0001", "ts": "1700000000.000100"})
	case method == "chat.update":
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": ch, "ts": r.PostForm.Get("ts"), "text": r.PostForm.Get("text")})
	default:
		_, _ = w.Write([]byte(`{"ok":false,"error":"unknown_method"}`))
	}
}

func (f *fakeSlack) get() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...)
}

func newSlackNotifier(t *testing.T) (*activities.Notifier, *fakeSlack, *fakeDeliveries) {
	fake := &fakeSlack{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	rec := &fakeDeliveries{}
	return &activities.Notifier{
		Slack:      slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/")),
		Deliveries: rec, PublicURL: "https://drover.example.com",
	}, fake, rec
}

func TestPostSlackPostsThenUpdates(t *testing.T) {
	n, fake, rec := newSlackNotifier(t)
	ctx := context.Background()
	msg := activities.SlackMessage{Channel: "#deploys", Title: "*foas 1.2.3*", Lines: []string{"staging: awaiting approval"},
		Approval: &activities.SlackApproval{PromotionID: "promote/foas/1.2.3", Environment: "staging"},
		Event:    sampleEvent("APPROVAL_REQUESTED")}
	posted, err := n.PostSlack(ctx, msg)
	require.NoError(t, err)
	require.Equal(t, activities.SlackPosted{Channel: "C0001", TS: "1700000000.000100"}, posted)

	msg.Channel, msg.TS, msg.Approval = posted.Channel, posted.TS, nil
	msg.Lines = append(msg.Lines, "staging: approved")
	again, err := n.PostSlack(ctx, msg)
	require.NoError(t, err)
	require.Equal(t, posted, again)

	calls := fake.get()
	require.Len(t, calls, 2)
	require.Equal(t, "chat.postMessage", calls[0].Method)
	require.Equal(t, "#deploys", calls[0].Form.Get("channel"))
	require.Equal(t, "chat.update", calls[1].Method)
	require.Equal(t, "1700000000.000100", calls[1].Form.Get("ts"))
	require.Equal(t, "C0001", calls[1].Form.Get("channel"))

	first := blocksOf(t, calls[0].Form.Get("blocks"))
	require.Contains(t, first, `"action_id":"approve"`)
	require.Contains(t, first, `"action_id":"reject"`)
	require.Contains(t, first, `"value":"promote/foas/1.2.3|staging"`)
	require.Contains(t, first, `"confirm":{"title":{"type":"plain_text","text":"Approve staging?"`, "a click asks before it approves")
	require.Contains(t, first, "https://drover.example.com/api/v1/builds/")
	second := blocksOf(t, calls[1].Form.Get("blocks"))
	require.NotContains(t, second, `"action_id":"approve"`)
	require.Contains(t, second, "staging: approved")
	require.Equal(t, 2, okCount(rec.get()))
}

func TestPostSlackUnknownChannelIsNotRetried(t *testing.T) {
	n, _, rec := newSlackNotifier(t)
	_, err := n.PostSlack(context.Background(), activities.SlackMessage{Channel: "missing", Title: "x", Event: sampleEvent("BUILD_START")})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.True(t, appErr.NonRetryable())
	require.Contains(t, err.Error(), "channel_not_found")
	require.Len(t, rec.get(), 1)
	require.False(t, rec.get()[0].OK)
}

func blocksOf(t *testing.T, raw string) string {
	t.Helper()
	require.NotEmpty(t, raw)
	var v []map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	return raw
}
