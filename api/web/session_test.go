package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSignOutRevokesTheSessionServerSide keeps a copy of the session cookie,
// signs out, and replays the copy: it no longer signs anyone in, on a page
// or on a form.
func TestSignOutRevokesTheSessionServerSide(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "bob-token").StatusCode)
	u, err := url.Parse(h.srv.URL)
	require.NoError(t, err)
	var stolen *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == SessionCookie {
			stolen = ck
		}
	}
	require.NotNil(t, stolen)
	csrf := h.csrf(c, "/")
	resp, _ := h.post(c, "/ui/signout", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	replay := h.client()
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: SessionCookie, Value: stolen.Value, Path: "/"}})
	_, body := h.get(replay, "/approvals")
	require.Contains(t, body, "Sign in to see what waits")
	require.NotContains(t, body, `id="whoami"`)
	form := url.Values{"csrf": {h.csrf(replay, "/signin")}, "environment": {"prod"}, "decision": {"approve"}, "confirm": {"yes"}}
	resp, _ = h.post(replay, "/ui"+promoPath+"/decide", form)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a revoked session decides nothing")
	require.Empty(t, h.proms.decisions)
}

// TestSessionCookieCarriesNoGroups: the cookie names the user only; the
// groups (and whether the user still exists) come from the directory.
func TestSessionCookieCarriesNoGroups(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "bob-token").StatusCode)
	u, err := url.Parse(h.srv.URL)
	require.NoError(t, err)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == SessionCookie {
			d, ok := (&sessions{key: []byte("test-key"), now: time.Now}).decode(ck.Value)
			require.True(t, ok)
			require.Equal(t, "bob", d.Name)
			require.NotEmpty(t, d.ID)
			payload, _, _ := strings.Cut(ck.Value, ".")
			raw, err := base64.RawURLEncoding.DecodeString(payload)
			require.NoError(t, err)
			require.NotContains(t, string(raw), "release", "groups are not frozen in the cookie")
		}
	}
}
