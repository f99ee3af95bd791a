package activities_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/activities"
)

// forgeRequest is what a fake forge received.
type forgeRequest struct {
	Path, RawPath string
	Header        http.Header
	Body          map[string]string
}

func fakeForge(t *testing.T, status int) (string, *[]forgeRequest) {
	var got []forgeRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		req := forgeRequest{Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Header: r.Header.Clone()}
		require.NoError(t, json.Unmarshal(raw, &req.Body))
		got = append(got, req)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &got
}

func TestSetCommitStatusPerForge(t *testing.T) {
	for _, tc := range []struct {
		forge, repo, state  string
		wantPath, wantState string
		authHeader, auth    string
		nameField           string
	}{
		{activities.ForgeGitHub, "https://git.example.com/acme/foas.git", activities.StatusPending,
			"/repos/acme/foas/statuses/0123456789abcdef", "pending", "Authorization", "Bearer tok", "context"},
		{activities.ForgeGitea, "git@git.example.com:acme/foas.git", activities.StatusSuccess,
			"/api/v1/repos/acme/foas/statuses/0123456789abcdef", "success", "Authorization", "token tok", "context"},
		{activities.ForgeGogs, "ssh://git@git.example.com:2222/acme/foas.git", activities.StatusFailure,
			"/api/v1/repos/acme/foas/statuses/0123456789abcdef", "failure", "Authorization", "token tok", "context"},
		{activities.ForgeGitLab, "https://git.example.com/acme/tools/foas.git", activities.StatusPending,
			"/api/v4/projects/acme%2Ftools%2Ffoas/statuses/0123456789abcdef", "running", "PRIVATE-TOKEN", "tok", "name"},
		{activities.ForgeGitLab, "https://git.example.com/acme/foas", activities.StatusFailure,
			"/api/v4/projects/acme%2Ffoas/statuses/0123456789abcdef", "failed", "PRIVATE-TOKEN", "tok", "name"},
	} {
		t.Run(tc.forge+"-"+tc.state, func(t *testing.T) {
			base, got := fakeForge(t, http.StatusCreated)
			rec := &fakeDeliveries{}
			n := &activities.Notifier{Deliveries: rec, PublicURL: "https://drover.example.com",
				Statuses: activities.StatusTargets{{Host: "git.example.com", Forge: tc.forge, BaseURL: base, Token: "tok"}}}
			err := n.SetCommitStatus(context.Background(), activities.CommitStatus{
				Repository: tc.repo, Commit: "0123456789abcdef", State: tc.state, Context: "drover/deploy/prod",
				Description: "deployed", Event: sampleEvent("DEPLOY_COMPLETED"),
			})
			require.NoError(t, err)
			require.Len(t, *got, 1)
			req := (*got)[0]
			require.Equal(t, tc.wantPath, req.RawPath)
			require.Equal(t, tc.auth, req.Header.Get(tc.authHeader))
			require.Equal(t, tc.wantState, req.Body["state"])
			require.Equal(t, "drover/deploy/prod", req.Body[tc.nameField])
			require.Equal(t, "deployed", req.Body["description"])
			require.Equal(t, "https://drover.example.com/api/v1/builds/build%2Ffoas%2F0123456789abcdef", req.Body["target_url"])
			require.Len(t, rec.get(), 1)
			require.True(t, rec.get()[0].OK)
			require.Equal(t, "status drover/deploy/prod", rec.get()[0].Sink)
		})
	}
}

func TestSetCommitStatusSkipsUnknownHost(t *testing.T) {
	rec := &fakeDeliveries{}
	n := &activities.Notifier{Deliveries: rec, Statuses: activities.StatusTargets{{Host: "github.com", Forge: "github", BaseURL: "http://127.0.0.1:1", Token: "x"}}}
	for _, repo := range []string{"https://gitlab.com/a/b.git", "/srv/git/foas", "file:///srv/git/foas"} {
		require.NoError(t, n.SetCommitStatus(context.Background(), activities.CommitStatus{Repository: repo, Commit: "abc", State: "pending", Context: "drover/build"}))
	}
	require.Empty(t, rec.get())
}

func TestSetCommitStatusRefusedIsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		code      int
		retryable bool
	}{{http.StatusUnauthorized, false}, {http.StatusUnprocessableEntity, false}, {http.StatusBadGateway, true}} {
		base, _ := fakeForge(t, tc.code)
		n := &activities.Notifier{Statuses: activities.StatusTargets{{Host: "git.example.com", Forge: "gitea", BaseURL: base, Token: "very-secret"}}}
		err := n.SetCommitStatus(context.Background(), activities.CommitStatus{
			Repository: "https://git.example.com/a/b.git", Commit: "abc", State: "pending", Context: "drover/build"})
		require.Error(t, err)
		require.NotContains(t, err.Error(), "very-secret")
		var appErr *temporal.ApplicationError
		require.Equal(t, !tc.retryable, errorsAs(err, &appErr) && appErr.NonRetryable(), "status %d", tc.code)
	}
}

func TestStatusTargetsFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	ts, err := activities.StatusTargetsFromEnv(env(
		"DROVER_STATUS_TARGETS", "github_com, CORP,GITLAB_COM",
		"DROVER_STATUS_GITHUB_COM_TOKEN", "gh",
		"DROVER_STATUS_CORP_TOKEN", "gt", "DROVER_STATUS_CORP_HOST", "git.corp.example", "DROVER_STATUS_CORP_FORGE", "gitea",
		"DROVER_STATUS_GITLAB_COM_TOKEN", "gl", "DROVER_STATUS_GITLAB_COM_URL", "https://gitlab.example.net",
		"DROVER_STATUS_OTHER_TOKEN", "not listed",
	))
	require.NoError(t, err)
	require.Equal(t, activities.StatusTargets{
		{Host: "git.corp.example", Forge: "gitea", BaseURL: "https://git.corp.example", Token: "gt"},
		{Host: "github.com", Forge: "github", BaseURL: "https://api.github.com", Token: "gh"},
		{Host: "gitlab.com", Forge: "gitlab", BaseURL: "https://gitlab.example.net", Token: "gl"},
	}, ts)

	none, err := activities.StatusTargetsFromEnv(env())
	require.NoError(t, err)
	require.Empty(t, none)
	_, err = activities.StatusTargetsFromEnv(env("DROVER_STATUS_TARGETS", "X"))
	require.ErrorContains(t, err, "DROVER_STATUS_X_TOKEN")
	_, err = activities.StatusTargetsFromEnv(env("DROVER_STATUS_TARGETS", "GIT_CORP", "DROVER_STATUS_GIT_CORP_TOKEN", "x"))
	require.ErrorContains(t, err, "DROVER_STATUS_GIT_CORP_FORGE")
	_, err = activities.StatusTargetsFromEnv(env("DROVER_STATUS_TARGETS", "X", "DROVER_STATUS_X_TOKEN", "x", "DROVER_STATUS_X_FORGE", "bitbucket"))
	require.ErrorContains(t, err, "unknown forge")
}
