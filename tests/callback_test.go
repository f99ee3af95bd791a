package tests

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

// TestBuildCallbackURLGetsTheOutcome: a build started with a callback_url
// ends by POSTing its BUILD_COMPLETE to that URL (a real HTTP server), and
// nothing else.
func TestBuildCallbackURLGetsTheOutcome(t *testing.T) {
	got := make(chan contracts.NotifyEvent, 10)
	client := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev contracts.NotifyEvent
		if json.Unmarshal(body, &ev) == nil {
			got <- ev
		}
	}))
	defer client.Close()

	h := newHarness(t, true)
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": `project: callback-demo
build:
  stages:
    - name: verify
      tasks:
        - {name: unit, run: "echo ok"}
        - {name: lint, run: "echo '::warning::a warning for the client'"}
`})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{
		"repository": repo, "commit": "main", "branch": "main", "callback_url": client.URL + "/job/7"}, &created))
	final := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)

	select {
	case ev := <-got:
		require.Equal(t, "BUILD_COMPLETE", ev.Type)
		require.Equal(t, created.ID, ev.WorkflowID)
		require.Equal(t, commit, ev.Commit)
		require.Equal(t, "succeeded", ev.Status)
		require.Equal(t, commit[:12], ev.Version)
		require.Contains(t, ev.URL, "/api/v1/builds/")
	case <-time.After(30 * time.Second):
		t.Fatal("the callback URL got nothing")
	}
	select {
	case ev := <-got:
		t.Fatalf("the callback URL got %s too: it asked for the outcome only", ev.Type)
	case <-time.After(2 * time.Second):
	}
}
