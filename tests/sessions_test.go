package tests

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// browser is a cookie-keeping client that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func page(t *testing.T, c *http.Client, method, target string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodGet {
		resp, err = c.Get(target)
	} else {
		resp, err = c.PostForm(target, form)
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func csrfOf(t *testing.T, c *http.Client, target string) string {
	t.Helper()
	_, body := page(t, c, http.MethodGet, target, nil)
	m := csrfField.FindStringSubmatch(body)
	require.NotNil(t, m, "no csrf token on %s", target)
	return m[1]
}

// TestSessionsAndIdentityFile runs the API with a real identity file and a
// real ledger: a group added to the file applies to an open session within
// the reload interval; sign-out revokes the session, so a copy of its cookie
// is refused; a trust_header from a client that is not a trusted proxy is
// ignored.
func TestSessionsAndIdentityFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "identities.yaml")
	write := func(bobGroups string) {
		content := "users:\n" +
			"  - {name: bob, token_sha256: \"" + identity.HashToken("bob-token") + "\", groups: [" + bobGroups + "]}\n" +
			"trust_header: X-Forwarded-User\n" +
			"trusted_proxies: [192.0.2.10/32]\n"
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	}
	write("dev")
	ids, err := identity.Load(path)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() { defer close(watched); ids.Watch(ctx, path, 100*time.Millisecond, nil) }()
	t.Cleanup(func() { cancel(); <-watched })
	sessions, err := ledger.Open(ctx, filepath.Join(dir, "sessions.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sessions.Close() })

	h := newHarness(t, false, func(s *api.Server) { s.Identity, s.SessionRevocations = ids, sessions })
	// The approvals page lists the gates of projects bob may read.
	h.register("reload", "/srv/reload", legacyRoles)
	require.NoError(t, h.ledger.PutPendingApproval(ctx, ledger.PendingApproval{
		PromotionID: "promote/reload/1.0", RunID: "r", Project: "reload", Version: "1.0", Environment: "prod",
		Approvers: []string{"group:release"}, Required: 1, WaitingSince: time.Now(), Deadline: time.Now().Add(time.Hour),
	}))
	c := browser(t)
	status, _ := page(t, c, http.MethodPost, h.api.URL+"/ui/signin",
		url.Values{"csrf": {csrfOf(t, c, h.api.URL+"/signin")}, "token": {"bob-token"}, "next": {"/approvals"}})
	require.Equal(t, http.StatusSeeOther, status)
	_, body := page(t, c, http.MethodGet, h.api.URL+"/approvals", nil)
	require.Contains(t, body, `id="whoami">bob<`)
	require.Contains(t, body, `id="no-approvals"`, "bob is not in release yet")

	// The open session sees the file as it is now: bob joins release.
	write("dev, release")
	require.Eventually(t, func() bool {
		_, body := page(t, c, http.MethodGet, h.api.URL+"/approvals", nil)
		return strings.Contains(body, "reload 1.0 → prod")
	}, 10*time.Second, 50*time.Millisecond)

	// Sign out, then replay a copy of the cookie.
	u, err := url.Parse(h.api.URL)
	require.NoError(t, err)
	var copied []*http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		copied = append(copied, &http.Cookie{Name: ck.Name, Value: ck.Value, Path: "/"})
	}
	status, _ = page(t, c, http.MethodPost, h.api.URL+"/ui/signout", url.Values{"csrf": {csrfOf(t, c, h.api.URL+"/")}})
	require.Equal(t, http.StatusSeeOther, status)
	thief := browser(t)
	thief.Jar.SetCookies(u, copied)
	_, body = page(t, thief, http.MethodGet, h.api.URL+"/approvals", nil)
	require.NotContains(t, body, `id="whoami"`)
	status, _ = page(t, thief, http.MethodPost, h.api.URL+"/ui/builds/-/cancel?id=build/x/y",
		url.Values{"csrf": {csrfOf(t, thief, h.api.URL+"/signin")}})
	require.Equal(t, http.StatusUnauthorized, status, "the revoked session's cookie is refused")

	// The test client is not 192.0.2.10: its proxy header names nobody.
	req, err := http.NewRequest(http.MethodPost, h.api.URL+"/api/v1/builds/build%2Fx%2Fy/cancel", strings.NewReader(""))
	require.NoError(t, err)
	req.Header.Set("X-Forwarded-User", "bob")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
