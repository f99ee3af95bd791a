package api

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

var pageCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// pageClient is a browser of the pages of ts: a cookie jar, no redirects.
type pageClient struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newPageClient(t *testing.T, srv *httptest.Server) *pageClient {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &pageClient{t: t, srv: srv, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *pageClient) get(path string) (int, string) {
	resp, err := p.c.Get(p.srv.URL + path)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *pageClient) post(path string, form url.Values) (int, string) {
	_, page := p.get("/signin")
	m := pageCSRF.FindStringSubmatch(page)
	require.NotNil(p.t, m, "no csrf token")
	form.Set("csrf", m[1])
	resp, err := p.c.PostForm(p.srv.URL+path, form)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *pageClient) signIn(token string) {
	status, body := p.post("/ui/signin", url.Values{"token": {token}, "next": {"/"}})
	require.Equal(p.t, http.StatusSeeOther, status, body)
}

func TestPagesOfAPrivateProject(t *testing.T) {
	ts, audit := authzServer(t)
	id := "build/demo/" + testSHA
	ts.builds.states[id] = workflows.BuildState{ID: id, Project: "demo", Commit: testSHA, Status: workflows.StatusRunning}
	ts.promotions.states["promote/demo/1.0"] = workflows.PromotionState{ID: "promote/demo/1.0", Project: "demo", Version: "1.0",
		Status: workflows.PromotionRunning}
	srv := httptest.NewServer(ts.Handler())
	t.Cleanup(srv.Close)
	page := "/builds/" + url.PathEscape(id)

	anonymous := newPageClient(t, srv)
	status, _ := anonymous.get(page)
	require.Equal(t, http.StatusNotFound, status, "a private project's build does not show to anonymous readers")

	carol := newPageClient(t, srv)
	carol.signIn("carol-token")
	status, _ = carol.get(page)
	require.Equal(t, http.StatusNotFound, status, "nor to users without a role")
	status, body := carol.post("/ui/builds/"+url.PathEscape(id)+"/cancel", url.Values{})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "carol lacks role build on project demo")
	require.Empty(t, ts.builds.canceled)

	alice := newPageClient(t, srv)
	alice.signIn("alice-token")
	status, body = alice.get(page)
	require.Equal(t, http.StatusOK, status, body)
	status, _ = alice.post("/ui/builds/"+url.PathEscape(id)+"/cancel", url.Values{})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, []string{id}, ts.builds.canceled)

	// A decision from the pages needs the promote role.
	status, body = alice.post("/ui/promotions/"+url.PathEscape("promote/demo/1.0")+"/decide",
		url.Values{"environment": {"prod"}, "decision": {"approve"}, "confirm": {"yes"}})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "alice lacks role promote on project demo")
	require.Empty(t, ts.promotions.decisions)

	var web []string
	for _, e := range audit.entries {
		if e.Channel == "web" {
			web = append(web, e.Actor+" "+e.Action+": "+e.Reason)
		}
	}
	require.Equal(t, []string{"carol cancel: carol lacks role build on project demo",
		"alice approve: alice lacks role promote on project demo"}, web)
}

// A bake skipped from the promotion page goes out signed under the web
// channel, which the workflow counts (without a channel it refused it as
// "channel \"\" is not one the API signs").
func TestPagesSkipBakeIsSignedForTheWebChannel(t *testing.T) {
	ts, _ := authzServer(t)
	ts.promotions.states["promote/demo/1.0"] = workflows.PromotionState{ID: "promote/demo/1.0", Project: "demo", Version: "1.0",
		Status: workflows.PromotionRunning}
	srv := httptest.NewServer(ts.Handler())
	t.Cleanup(srv.Close)
	bob := newPageClient(t, srv)
	bob.signIn("bob-token")
	status, body := bob.post("/ui/promotions/"+url.PathEscape("promote/demo/1.0")+"/skip-bake",
		url.Values{"environment": {"prod"}, "reason": {"hotfix verified by hand"}})
	require.Equal(t, http.StatusSeeOther, status, body)
	require.Equal(t, []workflows.SkipBake{{Environment: "prod", Actor: "bob", Reason: "hotfix verified by hand", Channel: "web"}},
		ts.promotions.skips)
	require.Len(t, ts.promotions.proofs, 1)
	require.NotNil(t, ts.promotions.proofs[0], "signed")
}
