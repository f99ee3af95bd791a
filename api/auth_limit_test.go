package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/identity"
)

// doFrom sends a request from the client address remote.
func (ts *testServer) doFrom(t *testing.T, remote, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// TestRepeatedFailedAuthenticationsAreRateLimitedPerClient: after ten bad
// tokens in a minute one address gets 429 with Retry-After, even with a
// good token; another address with a good token is never blocked, and a
// forged X-Forwarded-For neither escapes the block nor blocks someone else.
func TestRepeatedFailedAuthenticationsAreRateLimitedPerClient(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	const path = "/api/v1/promotions/promote%2Fdemo%2F1.0/cancel"
	for i := range identity.DefaultMaxFailures {
		rec := ts.doFrom(t, "198.51.100.7:5000", http.MethodPost, path, "", "Authorization", "Bearer guess", "X-Forwarded-For", "203.0.113.50")
		require.Equal(t, http.StatusUnauthorized, rec.Code, "attempt %d", i)
	}
	rec := ts.doFrom(t, "198.51.100.7:5001", http.MethodPost, path, "", "Authorization", "Bearer "+aliceToken, "X-Forwarded-For", "203.0.113.99")
	require.Equal(t, http.StatusTooManyRequests, rec.Code, rec.Body.String())
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
	body := decodeBody[ErrorBody](t, rec.Body.Bytes())
	require.Equal(t, "too_many_requests", body.Error.Code)

	// 203.0.113.50, named in the forged header, is not blocked.
	rec = ts.doFrom(t, "203.0.113.50:4000", http.MethodPost, path, "", "Authorization", "Bearer "+bobToken)
	require.NotEqual(t, http.StatusTooManyRequests, rec.Code)
	require.NotEqual(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
}

// TestTrustHeaderOnlyFromTrustedProxies: the proxy header names a user only
// from a configured proxy address, and only a user of the file.
func TestTrustHeaderOnlyFromTrustedProxies(t *testing.T) {
	dir, err := identity.Parse("identity.yaml", []byte("users:\n"+
		"  - {name: alice, token_sha256: \""+identity.HashToken(aliceToken)+"\", groups: [release]}\n"+
		"trust_header: X-Forwarded-User\ntrusted_proxies: [10.0.0.0/8]\n"))
	require.NoError(t, err)
	ts := newTestServer()
	ts.Identity = dir
	const path = "/api/v1/promotions/promote%2Fdemo%2F1.0/cancel"

	rec := ts.doFrom(t, "198.51.100.7:5000", http.MethodPost, path, "", "X-Forwarded-User", "alice")
	require.Equal(t, http.StatusUnauthorized, rec.Code, "from a client that is not a proxy the header is ignored")
	rec = ts.doFrom(t, "10.1.2.3:5000", http.MethodPost, path, "", "X-Forwarded-User", "mallory")
	require.Equal(t, http.StatusUnauthorized, rec.Code, "a user the file does not list is nobody")
	rec = ts.doFrom(t, "10.1.2.3:5000", http.MethodPost, path, "", "X-Forwarded-User", "alice")
	require.NotEqual(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
}
