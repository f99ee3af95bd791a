package activities_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
)

// hookReceiver answers 500 to its first failures requests, then 204, and
// keeps what it received.
type hookReceiver struct {
	mu       sync.Mutex
	failures int
	bodies   [][]byte
	headers  []http.Header
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bodies = append(h.bodies, body)
	h.headers = append(h.headers, r.Header.Clone())
	if len(h.bodies) <= h.failures {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestDeliverWebhookSignedAndRetryable(t *testing.T) {
	recv := &hookReceiver{failures: 3}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	rec := &fakeDeliveries{}
	n := &activities.Notifier{WebhookSecret: "s3cret", Deliveries: rec, PublicURL: "https://drover.example.com"}
	in := activities.WebhookDelivery{URL: srv.URL + "/hook?token=hide-me", Event: sampleEvent("BUILD_SUCCESS"), IdempotencyKey: "build/foas/x/run-1/3/abc"}

	for range 3 {
		err := n.DeliverWebhook(context.Background(), in)
		require.ErrorContains(t, err, "500")
		require.NotContains(t, err.Error(), "hide-me")
	}
	require.NoError(t, n.DeliverWebhook(context.Background(), in))

	require.Len(t, recv.bodies, 4)
	for i, body := range recv.bodies {
		h := recv.headers[i]
		require.Equal(t, "BUILD_SUCCESS", h.Get(activities.HeaderEvent))
		require.Equal(t, in.IdempotencyKey, h.Get(activities.HeaderDelivery))
		require.True(t, activities.VerifyWebhookSignature("s3cret", body, h.Get(activities.HeaderSignature)))
		require.False(t, activities.VerifyWebhookSignature("other", body, h.Get(activities.HeaderSignature)))
	}
	var got activities.NotifyEvent
	require.NoError(t, json.Unmarshal(recv.bodies[3], &got))
	require.Equal(t, "BUILD_SUCCESS", got.Type)
	require.Equal(t, "https://drover.example.com/api/v1/builds/build%2Ffoas%2F0123456789abcdef", got.URL)

	ds := rec.get()
	require.Len(t, ds, 4)
	require.Equal(t, 1, okCount(ds))
	require.True(t, ds[3].OK)
	require.Equal(t, "got 500 Internal Server Error", ds[0].Error)
	require.Equal(t, in.IdempotencyKey, ds[0].DeliveryID)
	require.NotContains(t, ds[0].Sink, "hide-me")
}

func TestDeliverWebhookUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/gone?key=secret-key"
	srv.Close()
	rec := &fakeDeliveries{}
	n := &activities.Notifier{Deliveries: rec}
	err := n.DeliverWebhook(context.Background(), activities.WebhookDelivery{URL: url, Event: sampleEvent("BUILD_START")})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret-key")
	require.Len(t, rec.get(), 1)
	require.False(t, rec.get()[0].OK)
	require.NotContains(t, rec.get()[0].Error, "secret-key")
}

func TestWebhookSinkNameKeepsSecretsOut(t *testing.T) {
	for _, raw := range []string{
		"https://hooks.slack.com/services/T000/B000/s3cr3t-path-token",
		"https://user:s3cr3t-path-token@hooks.example.com/in?token=s3cr3t-path-token",
	} {
		name := activities.WebhookSinkName(raw)
		require.NotContains(t, name, "s3cr3t-path-token", raw)
		require.Contains(t, name, "webhook hooks.")
	}
	require.NotEqual(t, activities.WebhookSinkName("https://h.example/a"), activities.WebhookSinkName("https://h.example/b"),
		"two webhooks on one host are told apart")
}

// TestDeliverWebhookBuildCompleteLinksLogs: a build's BUILD_COMPLETE goes
// out with its warnings and errors and links to the build's page and to
// each task's log.
func TestDeliverWebhookBuildCompleteLinksLogs(t *testing.T) {
	recv := &hookReceiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	n := &activities.Notifier{Deliveries: &fakeDeliveries{}, PublicURL: "https://drover.example.com/"}
	ev := sampleEvent("BUILD_COMPLETE")
	ev.Status, ev.Errors = "failed", []string{"convert/html: docs/a.md: unclosed code fence"}
	ev.Tasks = []activities.NotifyTask{{Stage: "convert", Task: "html", Status: "failed", Errors: 1}}
	require.NoError(t, n.DeliverWebhook(context.Background(), activities.WebhookDelivery{URL: srv.URL, Event: ev, IdempotencyKey: "k"}))
	require.Empty(t, ev.Tasks[0].LogURL, "the caller's event is left alone")

	var got activities.NotifyEvent
	require.NoError(t, json.Unmarshal(recv.bodies[0], &got))
	require.Equal(t, "https://drover.example.com/builds/build%2Ffoas%2F0123456789abcdef", got.LogURL)
	require.Equal(t, []string{"convert/html: docs/a.md: unclosed code fence"}, got.Errors)
	require.Equal(t, "https://drover.example.com/api/v1/builds/build%2Ffoas%2F0123456789abcdef/tasks/convert/html/log", got.Tasks[0].LogURL)
}

// A registered repository may carry credentials in its URL; the API never
// shows them, and neither does a webhook's body, whose URL (a build's
// callback_url) whoever starts the build chooses.
func TestDeliverWebhookRedactsTheRepository(t *testing.T) {
	recv := &hookReceiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	n := &activities.Notifier{Deliveries: &fakeDeliveries{}, PublicURL: "https://drover.example.com"}
	ev := sampleEvent("BUILD_COMPLETE")
	ev.Repository = "https://ci:tok-in-url-77@git.example.com/acme/foas.git"
	require.NoError(t, n.DeliverWebhook(context.Background(), activities.WebhookDelivery{URL: srv.URL, Event: ev, IdempotencyKey: "k"}))
	require.Len(t, recv.bodies, 1)
	require.NotContains(t, string(recv.bodies[0]), "tok-in-url-77")
	require.Contains(t, string(recv.bodies[0]), `"repository":"https://git.example.com/acme/foas.git"`)
}
