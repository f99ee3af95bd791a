package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

func TestHumanDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                     "0ms",
		-time.Second:                          "0ms",
		30 * time.Millisecond:                 "30ms",
		700 * time.Millisecond:                "700ms",
		999 * time.Millisecond:                "999ms",
		time.Second:                           "1s",
		12*time.Second + 400*time.Millisecond: "12s",
		59*time.Second + 600*time.Millisecond: "1m 0s",
		3*time.Minute + 4*time.Second:         "3m 4s",
		time.Hour + 2*time.Minute + 10*time.Second: "1h 2m",
		26*time.Hour + 40*time.Minute:              "1d 3h",
	} {
		require.Equal(t, want, human(d), d.String())
	}
}

func TestSizes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 512: "512 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB",
		8393207: "8.0 MiB", 1048575: "1.0 MiB", 5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB",
	} {
		require.Equal(t, want, size(n), n)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-time.Minute: "just now", 2 * time.Second: "just now", 12 * time.Second: "12s ago", 5*time.Minute + 59*time.Second: "5m ago",
		3 * time.Hour: "3h ago", 49 * time.Hour: "2d ago", 40 * 24 * time.Hour: "Jan 29, 2026",
	} {
		require.Equal(t, want, agoAt(now.Add(-d), now), d.String())
	}
	var nilTime *time.Time
	require.Empty(t, ago(nilTime))
	require.Empty(t, ago(time.Time{}))
	require.Empty(t, when(nilTime))
}

func TestDurationOfARunAndOfAWaitingTask(t *testing.T) {
	start := time.Now().Add(-90 * time.Second)
	end := start.Add(700 * time.Millisecond)
	require.Equal(t, "700ms", duration(&start, &end))
	require.Equal(t, "700ms", duration(start, &end))
	var never *time.Time
	require.Empty(t, duration(never, never), "a task that has not started has no duration")
	require.Equal(t, "1m 30s", duration(&start, never), "a running task counts until now")
}

func TestTemporalWebURLFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name, webURL, uiPort, want string
	}{
		{"default", "", "", DefaultTemporalWebURL},
		{"configured", "https://temporal.example.com/", "9233", "https://temporal.example.com"},
		{"derived from the UI port", "", "9233", "http://127.0.0.1:9233"},
		{"a port that is no port", "", "92x3", DefaultTemporalWebURL},
		{"out of range", "", "70000", DefaultTemporalWebURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"DROVER_TEMPORAL_WEB_URL": tc.webURL, "DROVER_TEMPORAL_UI_PORT": tc.uiPort}
			opts := OptionsFromEnv(func(k string) string { return env[k] })
			opts.NotFound, opts.SessionKey = errNotFound, []byte("k")
			p, err := New(&fakeBuilds{}, &fakePromotions{}, &fakeLedger{}, &fakeQueue{}, nil, opts)
			require.NoError(t, err)
			require.Equal(t, tc.want+"/namespaces/default/workflows/build%2Fdemo%2Fabc", p.temporalURL("build/demo/abc"))
		})
	}
}

func TestWantsHTML(t *testing.T) {
	for accept, want := range map[string]bool{
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": true,
		"TEXT/HTML": true, "text/html;q=0.9": true,
		"": false, "*/*": false, "application/json": false, "text/event-stream": false,
		"application/json, text/html": false,
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", accept)
		require.Equal(t, want, WantsHTML(r), accept)
	}
}

var signinLinkRe = regexp.MustCompile(`href="/signin\?next=([^"]*)"`)

// The Sign in link of a page carries the page's own address, encoded once,
// and the sign-in form posts it back unchanged.
func TestSignInLinkReturnsToThePage(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	const page = "/builds/build%2Fdemo%2Fabc123?tab=log&x=a+b"
	_, body := h.get(c, page)
	m := signinLinkRe.FindStringSubmatch(body)
	require.NotNil(t, m, "no sign-in link")
	link, err := url.Parse("/signin?next=" + strings.ReplaceAll(m[1], "&amp;", "&"))
	require.NoError(t, err)
	require.Equal(t, page, link.Query().Get("next"))

	_, form := h.get(c, link.String())
	require.Contains(t, form, `name="next" value="/builds/build%2Fdemo%2Fabc123?tab=log&amp;x=a&#43;b"`)
	resp, _ := h.post(c, "/ui/signin", url.Values{"csrf": {csrfRe.FindStringSubmatch(form)[1]}, "token": {"bob-token"}, "next": {link.Query().Get("next")}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, page, resp.Header.Get("Location"))
}

func TestRunsFilterListsEachStatusOnce(t *testing.T) {
	h := newHarness(t, "")
	_, body := h.get(h.client(), "/")
	for _, s := range []string{"running", "succeeded", "failed", "cancelled", "completed", "stopped"} {
		require.Equal(t, 1, strings.Count(body, `<option value="`+s+`"`), s)
	}
}

func TestRunsShowDurationWhenAndTrack(t *testing.T) {
	h := newHarness(t, "")
	_, body := h.get(h.client(), "/")
	// the promotion started an hour ago and still runs; dev runs its version.
	require.Regexp(t, `<time datetime="[0-9T:-]+Z" title="[0-9-]+ [0-9:]+ UTC" data-rel>1h ago</time>`, body)
	require.Regexp(t, `<td class="c-dur">1h 0m</td>`, body)
	require.Contains(t, body, `<span class="envtrack" title="Where 1.0.0 runs now"><span class="on">dev</span></span>`)
	require.Contains(t, body, `<span class="ico s-running" role="img" aria-label="running"`)
}

func TestBuildPageHidesAttemptAndDurationOfAWaitingTask(t *testing.T) {
	h := newHarness(t, "")
	_, body := h.get(h.client(), "/builds/build%2Fdemo%2Fabc123")
	require.NotContains(t, body, "attempt 0")
	require.Contains(t, body, `<span class="retry" data-field="attempt" hidden>attempt 1</span>`)
	require.Contains(t, body, `<span class="dur" data-field="duration" hidden></span>`)
}

func TestCancelAsksFirstAndIsNotOfferedAgain(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	require.Equal(t, http.StatusSeeOther, h.signIn(c, "carol-token").StatusCode)
	_, body := h.get(c, "/builds/build%2Fdemo%2Fabc123")
	require.Contains(t, body, `<summary class="button danger">Cancel build…</summary>`)
	resp, _ := h.post(c, "/ui/builds/build%2Fdemo%2Fabc123/cancel", url.Values{"csrf": {csrfRe.FindStringSubmatch(body)[1]}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = h.get(c, resp.Header.Get("Location"))
	require.Contains(t, body, "Cancellation requested.")
	require.Contains(t, body, `id="cancel-requested"`)
	require.NotContains(t, body, "Yes, cancel build")
}

func TestErrorPageForBrowsers(t *testing.T) {
	h := newHarness(t, "")
	status, body := h.get(h.client(), "/builds/nope")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, `<p class="code">404</p>`)
	require.Contains(t, body, `<p class="error" role="alert" id="error-message">No build has this ID.</p>`)
}

func TestInitials(t *testing.T) {
	for name, want := range map[string]string{
		"alice": "AL", "mary-jane": "MJ", "group:release": "RE", "bob.smith@example.com": "BS", "x": "X", "": "",
	} {
		require.Equal(t, want, initials(name), name)
	}
}

func TestBuildPageShowsATaskMessageOnItsCard(t *testing.T) {
	const lost = "worker lost, retrying (1 of 10 attempts lost to infrastructure)"
	tests := []struct {
		name string
		task workflows.TaskState
		want []string
		not  []string
	}{
		{name: "ready after a lost attempt", task: workflows.TaskState{Name: "unit", Status: workflows.TaskReady, Attempt: 1, Error: lost},
			want: []string{
				`<span class="job-msg" data-field="error" title="` + lost + `">` + lost + `</span>`,
				`data-error="` + lost + `"`,
			}},
		{name: "failed", task: workflows.TaskState{Name: "unit", Status: workflows.TaskFailed, Attempt: 2, Error: "task test/unit exited with code 1"},
			want: []string{`<span class="job-msg" data-field="error" title="task test/unit exited with code 1">task test/unit exited with code 1</span>`}},
		{name: "building again: no message", task: workflows.TaskState{Name: "unit", Status: workflows.TaskBuilding, Attempt: 2},
			want: []string{`<span class="job-msg" data-field="error" title="" hidden></span>`},
			not:  []string{"data-error="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.build.mu.Lock()
			h.build.state.Stages[0].Tasks[0] = tt.task
			h.build.mu.Unlock()
			status, body := h.get(h.client(), "/builds/build%2Fdemo%2Fabc123")
			require.Equal(t, http.StatusOK, status)
			card := taskCard(t, body, "test/unit")
			for _, want := range tt.want {
				require.Contains(t, card, want)
			}
			for _, not := range tt.not {
				require.NotContains(t, card, not)
			}
			// Live updates carry the message too (live.js shows or clears it).
			if tt.task.Error != "" {
				h.build.mu.Lock()
				h.build.state.Status = workflows.StatusFailed // the stream ends with the build
				h.build.mu.Unlock()
				_, events := h.get(h.client(), "/ui/events/builds/build%2Fdemo%2Fabc123")
				require.Contains(t, events, `"error":"`+tt.task.Error+`"`)
			}
		})
	}
}

// taskCard returns the HTML of the task card of key on a build page.
func taskCard(t *testing.T, body, key string) string {
	t.Helper()
	_, card, ok := strings.Cut(body, `<li class="job`)
	for ok && !strings.Contains(card[:strings.Index(card, ">")], `data-task="`+key+`"`) {
		_, card, ok = strings.Cut(card, `<li class="job`)
	}
	require.True(t, ok, "no card of task %s", key)
	card, _, ok = strings.Cut(card, "</li>")
	require.True(t, ok)
	return card
}

func TestBuildPageSaysWhenTheLedgerIsUnreachable(t *testing.T) {
	tests := []struct {
		name, ledger, want string
	}{
		{name: "ledger answers", want: `<p id="build-notice" class="notice" role="status" hidden></p>`},
		{name: "ledger unreachable", ledger: workflows.LedgerUnreachable,
			want: `<p id="build-notice" class="notice" role="status">` + workflows.LedgerUnreachable + `</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.build.mu.Lock()
			h.build.state.Ledger = tt.ledger
			h.build.mu.Unlock()
			status, body := h.get(h.client(), "/builds/build%2Fdemo%2Fabc123")
			require.Equal(t, http.StatusOK, status)
			require.Contains(t, body, tt.want)
		})
	}
}

func TestBuildPageShowsATasksSteps(t *testing.T) {
	h := newHarness(t, "")
	started, ended := time.Now().Add(-time.Minute), time.Now().Add(-50*time.Second)
	exit := 1
	h.build.mu.Lock()
	h.build.state.Stages[0].Tasks[0] = workflows.TaskState{Name: "unit", Status: workflows.TaskFailed, Attempt: 1,
		Steps: []workflows.TaskStepState{
			{Name: "deps", Status: workflows.TaskSucceeded, StartedAt: &started, FinishedAt: &ended},
			{Name: "test", Status: workflows.TaskFailed, ExitCode: &exit, StartedAt: &ended, FinishedAt: &ended},
			{Name: "publish", Status: workflows.TaskSkipped},
		}}
	h.build.state.Status = workflows.StatusFailed
	h.build.mu.Unlock()
	status, body := h.get(h.client(), "/builds/build%2Fdemo%2Fabc123")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<ol class="steps" aria-label="Steps of unit">`)
	require.Contains(t, body, `<li class="step s-succeeded" data-step="deps"><span class="ico s-succeeded" role="img" aria-label="succeeded" title="succeeded" data-field="icon"></span><a href="/api/v1/builds/build%2Fdemo%2Fabc123/tasks/test/unit/log" class="step-name step-link" data-step-name="deps" title="Show the log of step deps">deps</a><span class="dur" data-field="duration">10s</span></li>`)
	require.Contains(t, body, `<li class="step s-failed" data-step="test">`)
	require.Contains(t, body, `<li class="step s-skipped" data-step="publish"><span class="ico s-skipped" role="img" aria-label="skipped" title="skipped" data-field="icon"></span><a href="/api/v1/builds/build%2Fdemo%2Fabc123/tasks/test/unit/log" class="step-name step-link" data-step-name="publish" title="Show the log of step publish">publish</a><span class="dur" data-field="duration" hidden></span></li>`)

	// Live updates carry the steps (live.js updates them in place).
	_, events := h.get(h.client(), "/ui/events/builds/build%2Fdemo%2Fabc123")
	require.Contains(t, events, `"steps":[{"name":"deps","status":"succeeded","duration":"10s"}`)
}

func TestBuildPageShowsATasksWarningsAndErrors(t *testing.T) {
	h := newHarness(t, "")
	h.build.mu.Lock()
	h.build.state.Stages[0].Tasks[0] = workflows.TaskState{Name: "unit", Status: workflows.TaskSucceeded, Attempt: 1,
		Warnings: []string{"Missing chapter <3>"}, Errors: []string{"content/01.md:3: Unclosed tag"}}
	h.build.state.Status = workflows.StatusSucceeded
	h.build.mu.Unlock()
	status, body := h.get(h.client(), "/builds/build%2Fdemo%2Fabc123")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<ul class="annotations" aria-label="Warnings and errors of unit">`)
	require.Contains(t, body, `<li class="annot annot-error" data-annotation="error">error: content/01.md:3: Unclosed tag</li>`)
	require.Contains(t, body, `<li class="annot annot-warning" data-annotation="warning">warning: Missing chapter &lt;3&gt;</li>`)
	_, events := h.get(h.client(), "/ui/events/builds/build%2Fdemo%2Fabc123")
	require.Contains(t, events, `"warnings":["Missing chapter \u003c3\u003e"]`)
}
