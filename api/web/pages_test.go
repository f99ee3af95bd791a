package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

type harness struct {
	t      *testing.T
	srv    *httptest.Server
	proms  *fakePromotions
	build  *fakeBuilds
	ledger *fakeLedger
	queue  *fakeQueue
}

func newHarness(t *testing.T, publicURL string) *harness {
	return newHarnessWith(t, publicURL, nil)
}

// newHarnessWith is newHarness whose pages read builds through wrap(h.build)
// when wrap is not nil.
func newHarnessWith(t *testing.T, publicURL string, wrap func(*fakeBuilds) Builds) *harness {
	t.Helper()
	gin.SetMode(gin.TestMode)
	h := &harness{t: t, proms: &fakePromotions{state: pendingProd()},
		build: &fakeBuilds{state: workflows.BuildState{ID: "build/demo/abc123", Project: "demo", Commit: "abc123",
			Status: workflows.StatusRunning, StartedAt: time.Now(), Stages: []workflows.StageState{{Name: "test", Status: "running",
				Tasks: []workflows.TaskState{{Name: "unit", Status: workflows.TaskBuilding, Attempt: 1}}}}}}}
	var builds Builds = h.build
	if wrap != nil {
		builds = wrap(h.build)
	}
	led := &fakeLedger{
		builds: []ledger.Build{{ID: "build/demo/abc123", Project: "demo", Commit: "abc123", Status: "running", StartedAt: time.Now(),
			Subject: "Fix the <login> page", Author: "Mary Jane"}},
		proms: []ledger.Promotion{{ID: "promote/demo/1.0.0", Project: "demo", Version: "1.0.0", Status: "running", StartedAt: time.Now().Add(-time.Hour)}},
		envs:  []ledger.EnvironmentStatus{{Project: "demo", Environment: "dev", Version: "1.0.0", Since: time.Now(), Actor: "alice"}},
	}
	queue := &fakeQueue{waiting: []Approval{{PromotionID: "promote/demo/1.0.0", Project: "demo", Version: "1.0.0",
		Environment: "prod", Approvers: []string{"group:release"}, Required: 1}}}
	h.ledger, h.queue = led, queue
	pages, err := New(builds, h.proms, led, queue, fakeAuth{}, Options{PublicURL: publicURL, NotFound: errNotFound,
		SessionKey: []byte("test-key")})
	require.NoError(t, err)
	engine := gin.New()
	engine.UseRawPath, engine.UnescapePathValues = true, true
	pages.Register(engine)
	h.srv = httptest.NewServer(engine)
	t.Cleanup(h.srv.Close)
	return h
}

// client is a browser: it keeps cookies and does not follow redirects.
func (h *harness) client() *http.Client {
	jar := newJar()
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get returns the status and body of a page.
func (h *harness) get(c *http.Client, path string) (int, string) {
	h.t.Helper()
	resp, err := c.Get(h.srv.URL + path)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = ioCopy(&b, resp)
	return resp.StatusCode, b.String()
}

func (h *harness) csrf(c *http.Client, path string) string {
	h.t.Helper()
	_, body := h.get(c, path)
	m := csrfRe.FindStringSubmatch(body)
	require.NotNil(h.t, m, "no csrf token on %s", path)
	return m[1]
}

func (h *harness) post(c *http.Client, path string, form url.Values) (*http.Response, string) {
	h.t.Helper()
	resp, err := c.PostForm(h.srv.URL+path, form)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = ioCopy(&b, resp)
	return resp, b.String()
}

func (h *harness) signIn(c *http.Client, token string) *http.Response {
	h.t.Helper()
	resp, _ := h.post(c, "/ui/signin", url.Values{"csrf": {h.csrf(c, "/signin")}, "token": {token}, "next": {"/approvals"}})
	return resp
}

const promoPath = "/promotions/promote%2Fdemo%2F1.0.0"

func TestSignInSetsSessionCookieWithFlags(t *testing.T) {
	for _, tc := range []struct {
		name, publicURL string
		secure          bool
	}{{"http", "http://127.0.0.1:8080", false}, {"https", "https://drover.example.com", true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.publicURL)
			c := h.client()
			resp := h.signIn(c, "bob-token")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			require.Equal(t, "/approvals", resp.Header.Get("Location"))
			var session *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == SessionCookie {
					session = ck
				}
			}
			require.NotNil(t, session)
			require.True(t, session.HttpOnly)
			require.Equal(t, http.SameSiteLaxMode, session.SameSite)
			require.Equal(t, tc.secure, session.Secure)
			require.NotContains(t, session.Value, "bob-token")
			_, body := h.get(c, "/approvals")
			require.Contains(t, body, `Signed in as <strong id="whoami">bob</strong>`)
			require.Contains(t, body, "demo 1.0.0 → prod")
		})
	}
}

func TestSignInRefusesBadTokenAndSignOutEndsSession(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	resp := h.signIn(c, "wrong")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	_, body := h.get(c, "/approvals")
	require.Contains(t, body, "Sign in to see what waits")

	require.Equal(t, http.StatusSeeOther, h.signIn(c, "alice-token").StatusCode)
	resp, _ = h.post(c, "/ui/signout", url.Values{"csrf": {h.csrf(c, "/")}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = h.get(c, "/")
	require.NotContains(t, body, "Signed in as")
}

func TestForgedSessionCookieIsNotASession(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "carol-token").StatusCode)
	u, _ := url.Parse(h.srv.URL)
	ck := c.Jar.Cookies(u)
	for _, k := range ck {
		if k.Name == SessionCookie {
			// Claim to be bob, in group release, with carol's signature.
			_, sig, _ := strings.Cut(k.Value, ".")
			payload := base64.RawURLEncoding.EncodeToString([]byte(`{"n":"bob","g":["release"],"e":9999999999}`))
			k.Value = payload + "." + sig
		}
	}
	c.Jar.SetCookies(u, ck)
	_, body := h.get(c, promoPath)
	require.NotContains(t, body, "Signed in as")
	require.NotContains(t, body, "Approve prod")
}

func TestFormsRefuseMissingOrBadCSRF(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "bob-token").StatusCode)
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"no token", url.Values{"environment": {"prod"}, "decision": {"approve"}, "confirm": {"yes"}}},
		{"bad token", url.Values{"csrf": {"forged"}, "environment": {"prod"}, "decision": {"approve"}, "confirm": {"yes"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := h.post(c, "/ui/promotions/-/decide?id=promote/demo/1.0.0", tc.form)
			require.Equal(t, http.StatusForbidden, resp.StatusCode)
			resp, _ = h.post(c, "/ui/builds/-/cancel?id=build/demo/abc123", tc.form)
			require.Equal(t, http.StatusForbidden, resp.StatusCode)
		})
	}
	require.Empty(t, h.proms.decisions)
	require.Empty(t, h.build.cancelled)
}

func TestMutatingFormsNeedASession(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	token := h.csrf(c, "/signin") // a valid token of an anonymous page
	resp, _ := h.post(c, "/ui/promotions/-/decide?id=promote/demo/1.0.0",
		url.Values{"csrf": {token}, "environment": {"prod"}, "decision": {"approve"}, "confirm": {"yes"}})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Empty(t, h.proms.decisions)
}

func TestApproveConfirmsThenDecidesAsSignedInUserFromWeb(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "bob-token").StatusCode)
	_, body := h.get(c, promoPath)
	require.Contains(t, body, "Approve prod")
	token := csrfRe.FindStringSubmatch(body)[1]
	form := url.Values{"csrf": {token}, "environment": {"prod"}, "decision": {"approve"}, "comment": {"ship it"},
		"actor": {"mallory"}}

	resp, body := h.post(c, "/ui/promotions/"+url.PathEscape("promote/demo/1.0.0")+"/decide", form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "Yes, approve")
	require.Empty(t, h.proms.decisions, "the first post only asks for confirmation")

	form.Set("confirm", "yes")
	resp, _ = h.post(c, "/ui/promotions/"+url.PathEscape("promote/demo/1.0.0")+"/decide", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, []workflows.Decision{{Environment: "prod", Approve: true, Actor: "bob", Groups: []string{"release"},
		Comment: "ship it", Channel: "web"}}, h.proms.decisions)
}

func TestRefusedDecisionShowsValidatorReason(t *testing.T) {
	h := newHarness(t, "")
	h.proms.refuse = &refusal{reason: "alice triggered this version and may not approve it", forbidden: true}
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "bob-token").StatusCode)
	resp, body := h.post(c, "/ui/promotions/-/decide?id=promote/demo/1.0.0", url.Values{"csrf": {h.csrf(c, promoPath)},
		"environment": {"prod"}, "decision": {"reject"}, "confirm": {"yes"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "Refused: alice triggered this version and may not approve it")
	require.Len(t, h.proms.decisions, 1)
	require.False(t, h.proms.decisions[0].Approve)
}

func TestApproveButtonOnlyForApprovers(t *testing.T) {
	for _, tc := range []struct {
		token string
		shown bool
	}{{"bob-token", true}, {"carol-token", false}, {"", false}} {
		t.Run(tc.token, func(t *testing.T) {
			h := newHarness(t, "")
			c := h.client()
			if tc.token != "" {
				require.Equal(t, http.StatusSeeOther, h.signIn(c, tc.token).StatusCode)
			}
			status, body := h.get(c, promoPath)
			require.Equal(t, http.StatusOK, status)
			require.Contains(t, body, "awaiting-approval")
			require.Equal(t, tc.shown, strings.Contains(body, "Approve prod"))
			require.Contains(t, body, "http://127.0.0.1:8233/namespaces/default/workflows/promote%2Fdemo%2F1.0.0")
			// Where each protection rule came from.
			require.Contains(t, body, `<td data-rule-origin="approvers">registration</td>`)
			require.Contains(t, body, `<td data-rule-origin="required">drover.yaml</td>`)
		})
	}
}

func TestPagesRender(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	for _, tc := range []struct{ path, want string }{
		{"/", `href="/promotions/promote%2Fdemo%2F1.0.0"`},
		{"/", `<span class="subject" title="Fix the &lt;login&gt; page">Fix the &lt;login&gt; page</span>`},
		{"/", `<span class="author">Mary Jane</span>`},
		{"/?status=succeeded", "No runs yet."},
		{"/builds/build%2Fdemo%2Fabc123", `data-log="/api/v1/builds/build%2Fdemo%2Fabc123/tasks/test/unit/log?follow=1"`},
		{"/environments", `href="/environments/demo/dev"`},
		{"/environments/demo/dev", "No deployments."},
		{"/ui/assets/live.js", "EventSource"},
	} {
		status, body := h.get(c, tc.path)
		require.Equal(t, http.StatusOK, status, tc.path)
		require.Contains(t, body, tc.want, tc.path)
	}
	status, _ := h.get(c, "/builds/nope")
	require.Equal(t, http.StatusNotFound, status)
}

// The approval gate shows its approvers as initials and its deadline as a
// countdown that live.js ticks (a <time data-left> with the exact time).
func TestPromotionGateShowsApproversAndCountdown(t *testing.T) {
	h := newHarness(t, "")
	status, body := h.get(h.client(), promoPath)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<span class="avatar group" title="group:release" aria-hidden="true">RE</span>`)
	require.Regexp(t, `<time datetime="[0-9T:-]+Z" title="[^"]+ UTC" data-left>[0-9hmd ]+ left</time>`, body)
	_, js := h.get(h.client(), "/ui/assets/live.js")
	require.Contains(t, js, `querySelectorAll("time[data-left]")`)
}

func TestCancelBuildWithSession(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	_, body := h.get(c, "/builds/build%2Fdemo%2Fabc123")
	require.NotContains(t, body, "Cancel build")
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "carol-token").StatusCode)
	_, body = h.get(c, "/builds/build%2Fdemo%2Fabc123")
	require.Contains(t, body, "Cancel build")
	resp, _ := h.post(c, "/ui/builds/build%2Fdemo%2Fabc123/cancel", url.Values{"csrf": {csrfRe.FindStringSubmatch(body)[1]}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, []string{"build/demo/abc123"}, h.build.cancelled)
}

func TestBuildEventsSendStateUntilTheBuildEnds(t *testing.T) {
	h := newHarness(t, "")
	h.build.mu.Lock()
	h.build.state.Status = workflows.StatusSucceeded
	h.build.mu.Unlock()
	status, body := h.get(h.client(), "/ui/events/builds/build%2Fdemo%2Fabc123")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `data: {"id":"build/demo/abc123"`)
	require.Contains(t, body, "event: end")
}

func TestLocalPathKeepsRedirectsOnSite(t *testing.T) {
	for in, want := range map[string]string{"/approvals": "/approvals", "//evil.example": "/", "https://evil": "/", "": "/", "/\\evil": "/"} {
		require.Equal(t, want, localPath(in), in)
	}
}

// A promotion's deploy, rollback and task, external, jenkins, github_actions
// or gitlab checks link their
// logs into the same log pane as a build's tasks; an http check or a bake
// writes none. Deploy outputs are listed.
func TestPromotionPageLinksStepLogs(t *testing.T) {
	h := newHarness(t, "")
	st := pendingProd()
	dev := &st.Environments[0]
	dev.Deploy = &workflows.StepState{Kind: "deploy", State: workflows.StepSucceeded, Outputs: map[string]string{"url": "https://dev.example"}}
	dev.Verify = []workflows.StepState{{Kind: "http", State: workflows.StepSucceeded, From: "status-check"}, {Kind: "task", State: workflows.StepFailed},
		{Kind: "jenkins", State: workflows.StepSucceeded}, {Kind: "github_actions", State: workflows.StepSucceeded},
		{Kind: "gitlab", State: workflows.StepSucceeded}}
	dev.Rollback = &workflows.StepState{Kind: "rollback", State: workflows.StepSucceeded}
	dev.Gates = []workflows.GateState{{Kind: "approval", State: "approved", From: "manual"}}
	h.proms.state = st
	status, body := h.get(h.client(), promoPath)
	require.Equal(t, http.StatusOK, status)
	base := "/api/v1/promotions/promote%2Fdemo%2F1.0.0/environments/dev/steps/"
	for _, step := range []string{"deploy", "verify-1", "verify-2", "verify-3", "verify-4", "rollback"} {
		require.Contains(t, body, `data-log="`+base+step+`/log?follow=1"`, step)
		require.Contains(t, body, `data-name="dev/`+step+`"`, step)
	}
	require.NotContains(t, body, base+"verify-0/", "an http check writes no log")
	require.Contains(t, body, `Verify: http <small>(type status-check)</small>`, "a check says the promotion type it came from")
	require.NotContains(t, body, `Verify: task <small>`)
	require.Contains(t, body, `Gate: approval <small>(type manual)</small>`)
	require.Contains(t, body, `<section class="card logpane" id="log" data-what="step"`)
	require.Contains(t, body, `<p class="log-hint">Choose a step to see its log.</p>`)
	require.Contains(t, body, `<input type="search" id="log-search"`)
	require.Contains(t, body, `<dt><code>url</code></dt><dd>https://dev.example</dd>`)

	h.proms.state = pendingProd()
	_, body = h.get(h.client(), promoPath)
	require.NotContains(t, body, `id="log"`, "no step has run: no log pane")
}

// rerunningBuilds are fakeBuilds the pages can start and re-run.
type rerunningBuilds struct {
	*fakeBuilds
	reruns []string // "all <id>" or "failed <id>"
}

func (r *rerunningBuilds) Start(context.Context, string, string, map[string]string) (string, error) {
	return "", nil
}
func (r *rerunningBuilds) MayBuild(context.Context, string) bool { return true }
func (r *rerunningBuilds) Rerun(_ context.Context, id string) (string, error) {
	r.reruns = append(r.reruns, "all "+id)
	return id, nil
}
func (r *rerunningBuilds) RerunFailed(_ context.Context, id string) (string, error) {
	r.reruns = append(r.reruns, "failed "+id)
	return id, nil
}

func TestRerunFailedButton(t *testing.T) {
	var rb *rerunningBuilds
	h := newHarnessWith(t, "", func(f *fakeBuilds) Builds { rb = &rerunningBuilds{fakeBuilds: f}; return rb })
	now := time.Now()
	h.build.state = workflows.BuildState{ID: "build/demo/abc123", RunID: "run-2", RerunOf: "run-1", Project: "demo", Commit: "abc123",
		Status: workflows.StatusFailed, StartedAt: now, FinishedAt: &now, Stages: []workflows.StageState{{Name: "test", Status: "failed",
			Tasks: []workflows.TaskState{
				{Name: "unit", Status: workflows.TaskSucceeded, Attempt: 1, ReusedFrom: "run-1"},
				{Name: "lint", Status: workflows.TaskFailed, Attempt: 1},
			}}}}
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "carol-token").StatusCode)
	_, body := h.get(c, "/builds/build%2Fdemo%2Fabc123")
	require.Contains(t, body, "Re-run failed")
	require.Contains(t, body, `id="rerun-of"`)
	require.Contains(t, body, `title="reused from run run-1">reused</span>`)

	resp, _ := h.post(c, "/ui/builds/build%2Fdemo%2Fabc123/rerun", url.Values{"csrf": {csrfRe.FindStringSubmatch(body)[1]}, "failed": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = h.post(c, "/ui/builds/build%2Fdemo%2Fabc123/rerun", url.Values{"csrf": {csrfRe.FindStringSubmatch(body)[1]}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, []string{"failed build/demo/abc123", "all build/demo/abc123"}, rb.reruns)

	// A build that succeeded has nothing that failed to re-run.
	h.build.state.Status, h.build.state.Stages[0].Tasks[1].Status = workflows.StatusSucceeded, workflows.TaskSucceeded
	_, body = h.get(c, "/builds/build%2Fdemo%2Fabc123")
	require.Contains(t, body, "Re-run…")
	require.NotContains(t, body, "Re-run failed")
}

var _ interface {
	BuildStarter
	FailedRerunner
} = (*rerunningBuilds)(nil)

func TestApprovalsPageShowsFirstPageAndMore(t *testing.T) {
	h := newHarness(t, "")
	h.queue.size = 2
	for _, v := range []string{"1.1.0", "1.2.0"} {
		h.queue.waiting = append(h.queue.waiting, Approval{PromotionID: "promote/demo/" + v, Project: "demo", Version: v,
			Environment: "prod", Approvers: []string{"bob"}, Required: 1})
	}
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "bob-token").StatusCode)
	_, body := h.get(c, "/approvals")
	require.Contains(t, body, "demo 1.0.0 → prod")
	require.Contains(t, body, "demo 1.1.0 → prod")
	require.NotContains(t, body, "demo 1.2.0 → prod", "the first page only")
	require.Contains(t, body, `2 shown of 3 waiting for you. <a href="/approvals?after=2">Show more</a>`)
	require.NotContains(t, body, "Back to the oldest")

	_, body = h.get(c, "/approvals?after=2")
	require.Contains(t, body, "demo 1.2.0 → prod")
	require.NotContains(t, body, "demo 1.0.0 → prod")
	require.NotContains(t, body, "more-approvals", "the last page has no more link")
	require.Contains(t, body, `<a href="/approvals">Back to the oldest</a>`)

	status, body := h.get(c, "/approvals?after=junk")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "That page of approvals does not exist")
	require.Equal(t, []string{"", "2", "junk"}, h.queue.afters[len(h.queue.afters)-3:])
}
