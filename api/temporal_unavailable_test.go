package api

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"log/slog"

	"github.com/drover-ci/drover/gitsource"
)

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestTemporalUnreachable points a real Temporal client at a closed port:
// starting, reading and cancelling a build answer 503 with Retry-After and
// say that Temporal is unreachable, within the call bound (not the SDK's
// 10 s of retries), instead of "500 internal error".
func TestTemporalUnreachable(t *testing.T) {
	tc, err := client.NewLazyClient(client.Options{HostPort: closedAddr(t),
		Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	bc := BoundedClient{Client: tc, Timeout: 500 * time.Millisecond}
	ts := newTestServer()
	ts.Builds = &TemporalBuilds{Client: bc}
	ts.Promotions = &TemporalPromotions{Client: bc}
	ts.Source = gitsource.New(filepath.Join(t.TempDir(), "git"))
	repo := newCommitRepo(t)
	sha := repo.commit(goodYAML)

	for _, req := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/builds", `{"repository": "` + repo.dir + `"}`},
		{http.MethodGet, "/api/v1/builds/-?id=build/demo/" + sha, ""},
		{http.MethodPost, "/api/v1/builds/-/cancel?id=build/demo/" + sha, ""},
	} {
		rec := ts.do(t, req.method, req.path, req.body)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s %s: %s", req.method, req.path, rec.Body.String())
		require.Equal(t, "5", rec.Header().Get("Retry-After"))
		body := decodeBody[ErrorBody](t, rec.Body.Bytes())
		require.Equal(t, codeUnavailable, body.Error.Code)
		require.True(t, strings.HasPrefix(body.Error.Message, "Temporal is unreachable"), body.Error.Message)
	}
}

// TestBadInputIs4xx: a malformed run ID or ID, and definitions over the
// limits read from a real repository, are 400s naming what is wrong.
func TestBadInputIs4xx(t *testing.T) {
	ts := newTestServer()
	ts.Source = gitsource.New(filepath.Join(t.TempDir(), "git"))
	for _, path := range []string{
		"/api/v1/builds/-?id=build/demo/x&run_id=not+a+run",
		"/api/v1/builds/-/tasks/verify/unit/log?id=build/demo/x&run_id=%27%3B--",
		"/api/v1/promotions/-?id=promote/demo/1&run_id=zz%00z",
	} {
		rec := ts.do(t, http.MethodGet, path, "")
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", path, rec.Body.String())
		require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, "is not a run ID")
	}
	rec := ts.do(t, http.MethodGet, "/api/v1/builds/-?id="+strings.Repeat("x", MaxIDBytes+1), "")
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "over the limit of 512 bytes")
	rec = ts.do(t, http.MethodGet, "/api/v1/builds/-?id=build%2Fdemo%2F%09x", "")
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())

	repo := newCommitRepo(t)
	for _, tt := range []struct{ yaml, want string }{
		{"project: demo\nbuild: " + strings.Repeat("[", 200_000), "nesting depth is 25 levels, over the limit of 24 levels"},
		{"project: demo\n#" + strings.Repeat("x", 10<<20), "over the limit of 262144 bytes"},
		{"project: demo\nbuild: [" + strings.Repeat("1,", 50_000) + "]", "the number of YAML nodes is 20001, over the limit of 20000"},
	} {
		repo.commit(tt.yaml)
		rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+repo.dir+`"}`)
		require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
		body := decodeBody[ErrorBody](t, rec.Body.Bytes())
		require.Equal(t, codeBadDefinition, body.Error.Code)
		require.Contains(t, body.Error.Message, tt.want)
	}
	require.Empty(t, ts.builds.started, "nothing over a limit reaches Temporal")
}
