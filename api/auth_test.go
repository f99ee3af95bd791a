package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// postRoutes are every POST route but callbacks, with a body each accepts.
var postRoutes = []struct{ path, body string }{
	{"/api/v1/builds", `{"repository": "` + testRepo + `", "commit": "main"}`},
	{"/api/v1/builds/build%2Fdemo%2Fabc/cancel", ""},
	{"/api/v1/artifacts", `{"project": "demo", "version": "1.0", "definition": "x"}`},
	{"/api/v1/promotions", `{"project": "demo", "version": "1.0"}`},
	{"/api/v1/promotions/promote%2Fdemo%2F1.0/approve", `{"environment": "prod"}`},
	{"/api/v1/promotions/promote%2Fdemo%2F1.0/reject", `{"environment": "prod", "comment": "no"}`},
	{"/api/v1/promotions/promote%2Fdemo%2F1.0/skip-bake", `{"environment": "prod", "reason": "hotfix"}`},
	{"/api/v1/promotions/promote%2Fdemo%2F1.0/cancel", ""},
}

func TestEveryPostNeedsAuthentication(t *testing.T) {
	for _, route := range postRoutes {
		for _, tt := range []struct {
			name    string
			header  []string
			message string
		}{
			{"no token", nil, "authentication required: send Authorization: Bearer <token>"},
			{"wrong token", []string{"Authorization", "Bearer nope"}, "invalid credentials"},
			{"user header is not enough", []string{UserHeader, "alice"}, "authentication required: send Authorization: Bearer <token>"},
		} {
			t.Run(route.path+" "+tt.name, func(t *testing.T) {
				ts := newTestServer()
				ts.Identity = testIdentity()
				ts.Registry = testRegistry()
				rec := ts.do(t, http.MethodPost, route.path, route.body, tt.header...)
				require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
				require.Equal(t, `Bearer realm="drover"`, rec.Header().Get("WWW-Authenticate"))
				body := decodeBody[ErrorBody](t, rec.Body.Bytes())
				require.Equal(t, "unauthorized", body.Error.Code)
				require.Equal(t, tt.message, body.Error.Message)
				require.Empty(t, ts.builds.started)
				require.Empty(t, ts.promotions.started)
				require.Empty(t, ts.promotions.decisions)
				require.Empty(t, ts.promotions.skips)
				require.Empty(t, ts.promotions.canceled)
			})
		}
	}
}

func TestAuthenticatedCallerTriggers(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(goodYAML)
	// The user header cannot override the authenticated name.
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main"}`,
		"Authorization", "Bearer "+bobToken, UserHeader, "alice")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "bob", ts.builds.started[0].TriggeredBy)

	// Reads stay open.
	for _, path := range []string{"/api/v1/builds", "/api/v1/promotions", "/api/v1/environments", "/healthz"} {
		rec = ts.do(t, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, rec.Code, path)
	}
	// Except what answers for the caller.
	rec = ts.do(t, http.MethodGet, "/api/v1/approvals", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	rec = ts.do(t, http.MethodGet, "/api/v1/approvals", "", "Authorization", "Bearer "+aliceToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

func TestWithoutIdentityFile(t *testing.T) {
	ts := newTestServer()
	// Builds and cancels still work anonymously in local development...
	rec := ts.do(t, http.MethodPost, "/api/v1/promotions/promote%2Fdemo%2F1.0/cancel", "")
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	// ...but a decision or the approvals list must name the caller.
	rec = ts.do(t, http.MethodPost, "/api/v1/promotions/promote%2Fdemo%2F1.0/approve", `{"environment": "prod"}`)
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, "X-Drover-User")
	rec = ts.do(t, http.MethodGet, "/api/v1/approvals", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	require.Empty(t, ts.promotions.decisions)

	rec = ts.do(t, http.MethodPost, "/api/v1/promotions/promote%2Fdemo%2F1.0/approve", `{"environment": "prod"}`, UserHeader, "carol")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "carol", ts.promotions.decisions[0].Actor)
	require.Empty(t, ts.promotions.decisions[0].Groups)
}
