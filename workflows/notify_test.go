package workflows

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// deliveryLog records delivery attempts in memory.
type deliveryLog struct {
	mu  sync.Mutex
	all []ledger.Delivery
}

func (d *deliveryLog) RecordDelivery(_ context.Context, x ledger.Delivery) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.all = append(d.all, x)
	return nil
}

func (d *deliveryLog) forEvent(sinkPrefix, event string) (attempts, ok int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, x := range d.all {
		if strings.HasPrefix(x.Sink, sinkPrefix) && x.Event == event {
			attempts++
			if x.OK {
				ok++
			}
		}
	}
	return attempts, ok
}

// receiver is an outgoing-webhook receiver that answers 500 to its first
// failures requests (all of them when failures < 0) and checks signatures.
type receiver struct {
	mu         sync.Mutex
	failures   int
	secret     string
	deliveries []string // X-Drover-Delivery of each request
	badSigs    int
}

func (h *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.deliveries = append(h.deliveries, r.Header.Get(activities.HeaderDelivery))
	if !activities.VerifyWebhookSignature(h.secret, body, r.Header.Get(activities.HeaderSignature)) {
		h.badSigs++
	}
	if h.failures < 0 || len(h.deliveries) <= h.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *receiver) get() ([]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.deliveries...), h.badSigs
}

func eventsOf(st BuildState, typ string) []string {
	var out []string
	for _, ev := range st.Events {
		if ev.Type == typ {
			out = append(out, ev.Message)
		}
	}
	return out
}

func runNotifiedBuild(t *testing.T, n *activities.Notifier, notify *pipeline.Notify, repo string) BuildState {
	t.Helper()
	be := newBuildEnv(t, nil)
	be.env.RegisterActivity(n)
	be.env.ExecuteWorkflow(Build, BuildInput{Project: "demo", Repository: repo, Commit: "0123456789abcdef0123", Branch: "main",
		Plan: testPlan(stage("test", false, task("unit", 0))), Notify: notify})
	require.True(t, be.env.IsWorkflowCompleted())
	require.NoError(t, be.env.GetWorkflowError())
	var st BuildState
	require.NoError(t, be.env.GetWorkflowResult(&st))
	require.Equal(t, StatusSucceeded, st.Status)
	return st
}

func TestBuildWebhookRetriedUntilDelivered(t *testing.T) {
	recv := &receiver{failures: 3, secret: "hmac-key"}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	log := &deliveryLog{}
	n := &activities.Notifier{WebhookSecret: "hmac-key", Deliveries: log}
	notify := &pipeline.Notify{Webhooks: []pipeline.WebhookNotify{{URL: srv.URL + "/in", Events: []string{EventBuildSuccess}}}}

	st := runNotifiedBuild(t, n, notify, "/srv/git/demo")

	ids, badSigs := recv.get()
	require.Len(t, ids, 4)
	require.Zero(t, badSigs)
	for _, id := range ids {
		require.Equal(t, ids[0], id, "every attempt carries the same delivery id")
	}
	require.True(t, strings.HasPrefix(ids[0], st.ID+"/"+st.RunID+"/"), ids[0])
	attempts, ok := log.forEvent(contracts.SinkWebhook, EventBuildSuccess)
	require.Equal(t, 4, attempts)
	require.Equal(t, 1, ok)
	require.Equal(t, []string{activities.WebhookSinkName(srv.URL+"/in") + " " + EventBuildSuccess}, eventsOf(st, EventSinkDelivered))
	require.Empty(t, eventsOf(st, EventSinkFailed))
}

func TestBuildSucceedsWhenSinkAlwaysFails(t *testing.T) {
	recv := &receiver{failures: -1}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	log := &deliveryLog{}
	n := &activities.Notifier{Deliveries: log, Webhooks: []pipeline.WebhookNotify{{URL: srv.URL + "/down?token=abc", Events: []string{EventBuildStart}}}}

	st := runNotifiedBuild(t, n, nil, "/srv/git/demo")

	failed := eventsOf(st, EventSinkFailed)
	require.Len(t, failed, 1)
	// A global sink is in history as a reference: its URL is the worker's configuration.
	require.Contains(t, failed[0], activities.WebhookSinkName(activities.GlobalSinkRef(srv.URL+"/down?token=abc"))+" BUILD_START")
	require.Contains(t, failed[0], "503")
	require.NotContains(t, failed[0], "token=abc")
	attempts, ok := log.forEvent(contracts.SinkWebhook, EventBuildStart)
	require.Greater(t, attempts, 3)
	require.Zero(t, ok)
}

func TestBuildPostsOneSlackMessageAndCommitStatuses(t *testing.T) {
	var mu sync.Mutex
	var slackCalls []string // method ts
	slackSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		slackCalls = append(slackCalls, strings.TrimPrefix(r.URL.Path, "/")+" "+r.PostForm.Get("channel")+" "+r.PostForm.Get("ts"))
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C42", "ts": "1700000000.000200"})
	}))
	defer slackSrv.Close()
	forge, statuses := statusForge(t)
	log := &deliveryLog{}
	n := &activities.Notifier{
		Slack: slack.New("xoxb-test", slack.OptionAPIURL(slackSrv.URL+"/")), SlackChannelDefault: "#builds", Deliveries: log,
		Statuses: activities.StatusTargets{{Host: "github.com", Forge: activities.ForgeGitHub, BaseURL: forge.URL, Token: "t"}},
	}

	st := runNotifiedBuild(t, n, &pipeline.Notify{Slack: &pipeline.SlackNotify{Channel: "#demo"}}, "https://github.com/acme/demo.git")

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, slackCalls)
	require.Equal(t, "chat.postMessage #demo ", slackCalls[0])
	for _, c := range slackCalls[1:] {
		require.Equal(t, "chat.update C42 1700000000.000200", c)
	}
	require.Equal(t, []string{
		"/repos/acme/demo/statuses/0123456789abcdef0123 drover/build pending",
		"/repos/acme/demo/statuses/0123456789abcdef0123 drover/build success",
	}, statuses())
	require.Empty(t, eventsOf(st, EventSinkFailed))
	_, ok := log.forEvent(contracts.SinkStatus, EventBuildSuccess)
	require.Equal(t, 1, ok)
}

func TestBuildWithoutSinksSendsNothing(t *testing.T) {
	st := runNotifiedBuild(t, &activities.Notifier{}, nil, "/srv/git/demo")
	require.Empty(t, eventsOf(st, EventSinkDelivered))
	require.Empty(t, eventsOf(st, EventSinkFailed))
}

// statusForge is a forge's commit-status endpoint that records
// "<path> <context> <state>" for every status it is sent.
func statusForge(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var statuses []string
	forge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		statuses = append(statuses, r.URL.Path+" "+body["context"]+" "+body["state"])
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(forge.Close)
	return forge, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), statuses...)
	}
}

// eventReceiver is a webhook receiver that keeps "<type> <stage>/<task> <message>" of each event.
type eventReceiver struct {
	mu     sync.Mutex
	events []string
}

func (h *eventReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev contracts.NotifyEvent
	_ = json.NewDecoder(r.Body).Decode(&ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev.Type+" "+ev.Stage+"/"+ev.Task+" "+ev.Message)
	w.WriteHeader(http.StatusOK)
}

func (h *eventReceiver) of(types ...string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		for _, typ := range types {
			if strings.HasPrefix(e, typ+" ") {
				out = append(out, e)
			}
		}
	}
	return out
}

func TestCompleteEventsGoOnlyToSinksThatNameThem(t *testing.T) {
	tests := []struct {
		name     string
		complete bool // the build started since completeEventsChangeID
	}{
		{name: "new build", complete: true},
		{name: "build started before the change", complete: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subscribed, unfiltered := &eventReceiver{}, &eventReceiver{}
			subSrv, allSrv := httptest.NewServer(subscribed), httptest.NewServer(unfiltered)
			defer subSrv.Close()
			defer allSrv.Close()
			var slackEvents []string
			var mu sync.Mutex
			slackSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				mu.Lock()
				slackEvents = append(slackEvents, r.PostForm.Get("blocks")+r.PostForm.Get("text"))
				mu.Unlock()
				_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C42", "ts": "1700000000.000200"})
			}))
			defer slackSrv.Close()

			be := newBuildEnv(t, map[string][]string{"verify/unit": {outcomeFail}, "verify/slow": {outcomeBlock}})
			if !tt.complete {
				be.env.OnGetVersion(buildChangesChangeID, workflow.DefaultVersion, BuildChanges).Return(workflow.DefaultVersion)
				be.env.OnGetVersion(completeEventsChangeID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			}
			be.env.RegisterActivity(&activities.Notifier{
				Slack: slack.New("xoxb-test", slack.OptionAPIURL(slackSrv.URL+"/")), SlackChannelDefault: "#builds",
				Deliveries: &deliveryLog{},
			})
			be.env.ExecuteWorkflow(Build, BuildInput{Project: "demo", Repository: "/srv/git/demo", Commit: "0123456789abcdef0123",
				Branch: "main", Plan: testPlan(
					stage("check", false, task("lint", 0)),
					stage("verify", true, task("unit", 0), task("slow", 0)),
					stage("package", false, task("tarball", 0))),
				Notify: &pipeline.Notify{Slack: &pipeline.SlackNotify{Channel: "#demo"}, Webhooks: []pipeline.WebhookNotify{
					{URL: subSrv.URL + "/complete", Events: []string{EventTaskComplete, EventBuildComplete}},
					{URL: allSrv.URL + "/all"},
				}}})
			require.True(t, be.env.IsWorkflowCompleted())
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, be.env.GetWorkflowError(), &appErr)
			var st BuildState
			require.NoError(t, appErr.Details(&st))
			if tt.complete {
				last := slices.DeleteFunc(eventTypes(st, ""), func(typ string) bool { return strings.HasPrefix(typ, "SINK_") })
				require.Equal(t, EventBuildComplete, last[len(last)-1], "BUILD_COMPLETE is the build's last event")
			}

			require.NotEmpty(t, unfiltered.of(EventTaskStart, EventBuildFail), "an unfiltered sink gets the other events")
			require.Empty(t, unfiltered.of(EventTaskComplete, EventBuildComplete), "an unfiltered sink never gets the new events")
			mu.Lock()
			for _, m := range slackEvents {
				require.NotContains(t, m, "_COMPLETE")
			}
			mu.Unlock()
			got := subscribed.of(EventTaskComplete, EventBuildComplete)
			if !tt.complete {
				require.Empty(t, got)
				return
			}
			require.ElementsMatch(t, []string{
				"TASK_COMPLETE verify/unit failed: task verify/unit exited with code 1",
				"TASK_COMPLETE verify/slow cancelled",
				"TASK_COMPLETE check/lint succeeded",
				"BUILD_COMPLETE / failed",
			}, got, "one per task outcome, none for the skipped stage")
		})
	}
}
