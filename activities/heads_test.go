package activities_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
)

// fakeBuildsAPI stands in for POST /api/v1/builds: it records each request
// and answers 202 for a commit it has not seen, 200 for one it has, and the
// status in refuse for a branch listed there.
type fakeBuildsAPI struct {
	mu       sync.Mutex
	requests []map[string]string
	auth     []string
	built    map[string]bool
	refuse   map[string]int
}

func (f *fakeBuildsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/builds" {
		http.NotFound(w, r)
		return
	}
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.requests = append(f.requests, body)
	f.auth = append(f.auth, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Drover-User"))
	if code, ok := f.refuse[body["branch"]]; ok {
		w.WriteHeader(code)
		return
	}
	if f.built[body["commit"]] {
		w.WriteHeader(http.StatusOK)
		return
	}
	f.built[body["commit"]] = true
	w.WriteHeader(http.StatusAccepted)
}

func (f *fakeBuildsAPI) snapshot() ([]map[string]string, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]string(nil), f.requests...), append([]string(nil), f.auth...)
}

// twoBranchRepo makes a repository with branches main and feature on
// different commits.
func twoBranchRepo(t *testing.T) (dir, mainSHA, featureSHA string) {
	t.Helper()
	dir = t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644))
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "first")
	mainSHA = gitRun(t, dir, "rev-parse", "HEAD")
	gitRun(t, dir, "checkout", "-q", "-b", "feature")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.txt"), []byte("b\n"), 0o644))
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "second")
	featureSHA = gitRun(t, dir, "rev-parse", "HEAD")
	return dir, mainSHA, featureSHA
}

func TestStartMissingBuilds(t *testing.T) {
	repo, mainSHA, featureSHA := twoBranchRepo(t)
	tests := []struct {
		name     string
		built    []string
		refuse   map[string]int
		token    string
		want     activities.StartMissingBuildsResult
		wantAuth string
		wantErr  string
	}{
		{name: "no build yet", want: activities.StartMissingBuildsResult{Heads: 2, Started: 2}},
		{name: "one head already built", built: []string{mainSHA}, token: "s3cret", wantAuth: "Bearer s3cret",
			want: activities.StartMissingBuildsResult{Heads: 2, Started: 1, Existing: 1}},
		{name: "head without a definition is skipped", refuse: map[string]int{"feature": http.StatusBadRequest},
			want: activities.StartMissingBuildsResult{Heads: 2, Started: 1, Skipped: 1}},
		{name: "refused token is an error", refuse: map[string]int{"main": http.StatusUnauthorized, "feature": http.StatusUnauthorized},
			want: activities.StartMissingBuildsResult{Heads: 2}, wantErr: "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeBuildsAPI{built: map[string]bool{}, refuse: tt.refuse}
			for _, c := range tt.built {
				api.built[c] = true
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			p := &activities.HeadPoller{APIURL: srv.URL + "/", Token: tt.token}

			got, err := p.StartMissingBuilds(context.Background(), activities.StartMissingBuildsInput{Project: "demo", Repository: repo})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tt.want, got)

			reqs, auth := api.snapshot()
			require.ElementsMatch(t, []map[string]string{
				{"repository": repo, "commit": mainSHA, "branch": "main"},
				{"repository": repo, "commit": featureSHA, "branch": "feature"},
			}, reqs)
			for _, a := range auth {
				require.Equal(t, tt.wantAuth+"|"+activities.PollTrigger, a)
			}
		})
	}
}

func TestStartMissingBuildsTwiceStartsNothingNew(t *testing.T) {
	repo, _, _ := twoBranchRepo(t)
	api := &fakeBuildsAPI{built: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := &activities.HeadPoller{APIURL: srv.URL}
	in := activities.StartMissingBuildsInput{Project: "demo", Repository: repo}

	first, err := p.StartMissingBuilds(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, 2, first.Started)
	second, err := p.StartMissingBuilds(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, activities.StartMissingBuildsResult{Heads: 2, Existing: 2}, second)
}

func TestStartMissingBuildsHidesCredentials(t *testing.T) {
	p := &activities.HeadPoller{APIURL: "http://127.0.0.1:1"}
	_, err := p.StartMissingBuilds(context.Background(), activities.StartMissingBuildsInput{
		Project: "demo", Repository: "http://bob:hunter2@127.0.0.1:1/acme/app.git"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
	require.Contains(t, err.Error(), "list heads of http://127.0.0.1:1/acme/app.git")
}
