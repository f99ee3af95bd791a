package activities

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
)

// TestStartDownstreamBuildsRetriesOnlyWhatMayChange: a refusal of the API
// (401 without a poll token, 409 for a build that did not succeed) ends the
// activity at once, while a server error or a rate limit is retried; a 200
// counts the builds it lists.
func TestStartDownstreamBuildsRetriesOnlyWhatMayChange(t *testing.T) {
	status := http.StatusOK
	var gotPath, gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotAuth = r.URL.Path, r.Header.Get("Authorization")
		w.WriteHeader(status)
		if status == http.StatusOK {
			_, _ = w.Write([]byte(`{"builds":[{"id":"build/img/1"},{"id":"build/infra/2"}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"error":"no"}`))
	}))
	defer srv.Close()
	p := &HeadPoller{APIURL: srv.URL, Token: "tok"}
	in := contracts.StartDownstreamInput{BuildID: "build/sw/abc"}

	res, err := p.StartDownstreamBuilds(context.Background(), in)
	if err != nil || res.Builds != 2 {
		t.Fatalf("200: got %+v, %v; want 2 builds", res, err)
	}
	if gotPath != "/api/v1/builds/build%2Fsw%2Fabc/downstream" && gotPath != "/api/v1/builds/build/sw/abc/downstream" {
		t.Errorf("path %q", gotPath)
	}
	if gotAuth != "Bearer tok" {
		t.Errorf("authorization %q", gotAuth)
	}
	for _, tc := range []struct {
		status    int
		retryable bool
	}{
		{http.StatusUnauthorized, false},
		{http.StatusForbidden, false},
		{http.StatusConflict, false},
		{http.StatusTooManyRequests, true},
		{http.StatusRequestTimeout, true},
		{http.StatusServiceUnavailable, true},
	} {
		status = tc.status
		_, err := p.StartDownstreamBuilds(context.Background(), in)
		if err == nil {
			t.Fatalf("%d: no error", tc.status)
		}
		var appErr *temporal.ApplicationError
		nonRetryable := errors.As(err, &appErr) && appErr.NonRetryable()
		if nonRetryable == tc.retryable {
			t.Errorf("%d: non-retryable %v, want %v (%v)", tc.status, nonRetryable, !tc.retryable, err)
		}
	}
}
