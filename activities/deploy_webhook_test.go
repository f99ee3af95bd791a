package activities_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

// hookServer records the deploy requests it gets and answers with status.
type hookServer struct {
	mu       sync.Mutex
	requests []activities.WebhookDeployRequest
	status   int
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var req activities.WebhookDeployRequest
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &req) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, req)
	w.WriteHeader(h.status)
}

func (h *hookServer) get() []activities.WebhookDeployRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]activities.WebhookDeployRequest(nil), h.requests...)
}

func webhookInput(url string) activities.DeployInput {
	in := deployInput("")
	in.Commit = "c0ffee"
	in.Deploy = pipeline.Deploy{Webhook: &pipeline.WebhookDeploy{URL: url, Timeout: pipeline.Duration(5 * time.Minute)}}
	in.Artifacts = []activities.ArtifactRef{{Name: "foas", Key: "artifacts/foas", SHA256: "abc", Size: 3}}
	return in
}

func TestDeployWebhookPostsCallbackURLAndWaits(t *testing.T) {
	hook := &hookServer{status: http.StatusAccepted}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	pa, store := newPromotionActivities(t)
	in := webhookInput(srv.URL + "/deploy?key=s3cret")

	err := execute(context.Background(), t, pa, pa.Deploy, in, nil)
	require.True(t, errors.Is(err, activity.ErrResultPending), "want pending, got %v", err)

	saved := store.get()
	require.Len(t, saved, 1)
	cb := saved[0]
	raw, err := base64.RawURLEncoding.DecodeString(cb.Token)
	require.NoError(t, err)
	require.Len(t, raw, 32)
	require.NotEmpty(t, cb.TaskToken)
	require.Equal(t, activities.CallbackDeploy, cb.Kind)
	require.Equal(t, "promote/foas/1.2", cb.PromotionID)
	require.Equal(t, "staging", cb.Environment)
	require.Equal(t, 5*time.Minute, cb.ExpiresAt.Sub(cb.CreatedAt))

	reqs := hook.get()
	require.Len(t, reqs, 1)
	require.Equal(t, activities.WebhookDeployRequest{
		Event: "deploy", PromotionID: "promote/foas/1.2", Project: "foas", Environment: "staging",
		Version: "1.2", Commit: "c0ffee", Artifacts: in.Artifacts,
		CallbackURL: "https://drover.example.com/api/v1/callbacks/" + cb.Token,
	}, reqs[0])

	key := "promotions/promote%2Ffoas%2F1.2/run-1/staging/deploy.log"
	log := readKey(t, pa, key)
	require.Contains(t, log, "POST "+srv.URL+"/deploy: 202 Accepted; waiting for the deployer to call back")
	requireNoLogWith(t, pa, []string{key}, cb.Token)
	requireNoLogWith(t, pa, []string{key}, "s3cret")
}

func TestDeployWebhookFailures(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		storeErr     error
		publicURL    string
		message      string
		nonRetryable bool
	}{
		{name: "deployer answers 500", status: http.StatusInternalServerError, publicURL: "https://d", message: "got 500 Internal Server Error"},
		{name: "store fails", status: http.StatusOK, storeErr: errStore, publicURL: "https://d", message: "store unavailable"},
		{name: "no public URL", status: http.StatusOK, message: "no public URL", nonRetryable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook := &hookServer{status: tt.status}
			srv := httptest.NewServer(hook)
			defer srv.Close()
			pa, store := newPromotionActivities(t)
			pa.PublicURL, store.err = tt.publicURL, tt.storeErr

			err := execute(context.Background(), t, pa, pa.Deploy, webhookInput(srv.URL+"/deploy"), nil)
			require.Error(t, err)
			require.False(t, errors.Is(err, activity.ErrResultPending))
			appErr := appError(t, err)
			require.Equal(t, tt.nonRetryable, appErr.NonRetryable())
			require.Contains(t, err.Error(), tt.message)
			for _, cb := range store.get() {
				require.NotContains(t, err.Error(), cb.Token)
			}
			if tt.storeErr != nil || tt.publicURL == "" {
				require.Empty(t, hook.get(), "nothing is posted without a stored callback")
			}
		})
	}
}

func TestCallbackURLJoinsPublicURL(t *testing.T) {
	for _, base := range []string{"https://drover.example.com", "https://drover.example.com/"} {
		hook := &hookServer{status: http.StatusOK}
		srv := httptest.NewServer(hook)
		pa, store := newPromotionActivities(t)
		pa.PublicURL = base
		err := execute(context.Background(), t, pa, pa.Deploy, webhookInput(srv.URL), nil)
		srv.Close()
		require.ErrorIs(t, err, activity.ErrResultPending)
		require.True(t, strings.HasPrefix(hook.get()[0].CallbackURL, "https://drover.example.com/api/v1/callbacks/"))
		require.Equal(t, "https://drover.example.com/api/v1/callbacks/"+store.get()[0].Token, hook.get()[0].CallbackURL)
	}
}
