package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/activity"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// ErrTypeSinkRejected is the type of a notification error no retry can fix
// (a Slack channel that does not exist, a forge refusing the token).
const ErrTypeSinkRejected = contracts.ErrTypeSinkRejected

// notifyRequestTimeout bounds one HTTP request to a sink.
const notifyRequestTimeout = 30 * time.Second

// SlackAPI is the part of slack-go's *slack.Client that notifications use.
type SlackAPI interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
}

// DeliveryRecorder keeps the outcome of every delivery attempt; the ledger
// implements it. A recording error is logged, never returned to the sink.
type DeliveryRecorder interface {
	RecordDelivery(ctx context.Context, d ledger.Delivery) error
}

// Notifier sends a run's events to its sinks; every exported method is an
// activity. Each attempt's outcome goes to Deliveries.
type Notifier struct {
	HTTP *http.Client // nil means a client over OutboundTransport
	// Slack is nil when no Slack token is configured: no run posts to Slack.
	Slack               SlackAPI
	SlackChannelDefault string
	// Webhooks are global sinks every run notifies besides its project's.
	Webhooks []pipeline.WebhookNotify
	// WebhookSecret is the HMAC-SHA256 key of outgoing webhooks' signatures.
	WebhookSecret string
	Statuses      StatusTargets
	Deliveries    DeliveryRecorder // may be nil
	// PublicURL is the API's base URL, for links to runs.
	PublicURL string
	Logger    *slog.Logger // may be nil
}

// ResolveSinks returns the sinks of a run: the project's webhooks and the
// global ones, the project's Slack channel (or the default one) when Slack is
// configured, and commit statuses when the repository's host has a target.
// Workflows run it once, as a local activity, so their history records the
// answer: a global webhook, whose URL comes from the worker's configuration
// and may hold a token, is therefore returned as a reference
// (GlobalSinkRef), resolved by DeliverWebhook.
func (n *Notifier) ResolveSinks(_ context.Context, in ResolveSinksInput) (NotifySinks, error) {
	var s NotifySinks
	if in.Notify != nil {
		s.Webhooks = append(s.Webhooks, in.Notify.Webhooks...)
	}
	for _, w := range n.Webhooks {
		if !slices.ContainsFunc(s.Webhooks, func(o pipeline.WebhookNotify) bool {
			return o.URL == w.URL && slices.Equal(o.Events, w.Events)
		}) {
			s.Webhooks = append(s.Webhooks, pipeline.WebhookNotify{URL: GlobalSinkRef(w.URL), Events: w.Events})
		}
	}
	if n.Slack != nil {
		s.SlackChannel = n.SlackChannelDefault
		if in.Notify != nil && in.Notify.Slack != nil && in.Notify.Slack.Channel != "" {
			s.SlackChannel = in.Notify.Slack.Channel
		}
	}
	if _, _, ok := n.Statuses.target(in.Repository); ok {
		s.CommitStatus = true
	}
	return s, nil
}

// record stores one attempt's outcome; errors are logged only.
func (n *Notifier) record(ctx context.Context, sink string, ev NotifyEvent, deliveryID string, err error) {
	countDeliveryAttempt(ctx, sink, err)
	if n.Deliveries == nil {
		return
	}
	d := ledger.Delivery{
		WorkflowID: ev.WorkflowID, RunID: ev.RunID, Sink: sink, Event: ev.Type,
		DeliveryID: deliveryID, Attempt: attempt(ctx), OK: err == nil,
	}
	if err != nil {
		d.Error = err.Error()
	}
	if rerr := n.Deliveries.RecordDelivery(ctx, d); rerr != nil {
		n.logger().Warn("Delivery not recorded", "sink", sink, "event", ev.Type, "error", rerr)
	}
}

func (n *Notifier) httpClient() *http.Client {
	if n.HTTP != nil {
		return n.HTTP
	}
	return outboundClient
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// runURL is the API address of a run, unless the event has one.
func (n *Notifier) runURL(ev NotifyEvent) string {
	if ev.URL != "" || n.PublicURL == "" || ev.WorkflowID == "" {
		return ev.URL
	}
	kind := "builds"
	if ev.Kind == "promotion" {
		kind = "promotions"
	}
	return strings.TrimRight(n.PublicURL, "/") + "/api/v1/" + kind + "/" + url.PathEscape(ev.WorkflowID)
}

// fillLogURLs links a build's BUILD_COMPLETE to its page and to each of
// its tasks' logs, when the worker knows the API's public URL.
func (n *Notifier) fillLogURLs(ev *NotifyEvent) {
	if n.PublicURL == "" || ev.Kind != "build" || ev.WorkflowID == "" || ev.Type != contracts.EventBuildComplete {
		return
	}
	base := strings.TrimRight(n.PublicURL, "/")
	id := url.PathEscape(ev.WorkflowID)
	if ev.LogURL == "" {
		ev.LogURL = buildPageURL(n.PublicURL, ev.WorkflowID)
	}
	tasks := slices.Clone(ev.Tasks)
	for i, t := range tasks {
		if t.LogURL == "" {
			tasks[i].LogURL = base + "/api/v1/builds/" + id + "/tasks/" + url.PathEscape(t.Stage) + "/" + url.PathEscape(t.Task) + "/log"
		}
	}
	ev.Tasks = tasks
}

// attempt is the activity's attempt, 1 outside an activity.
func attempt(ctx context.Context) int {
	if activity.IsActivity(ctx) {
		return int(activity.GetInfo(ctx).Attempt)
	}
	return 1
}

// globalSinkPrefix starts the reference of a global webhook sink.
const globalSinkPrefix = "drover-sink://global/"

// GlobalSinkRef is what workflow history holds of a global webhook sink
// (DROVER_NOTIFY_WEBHOOKS): "drover-sink://global/<hash of the URL>".
func GlobalSinkRef(rawURL string) string { return globalSinkPrefix + URLHash(rawURL) }

// resolveWebhook returns the URL a delivery posts to: a global sink's
// reference is looked up in the worker's configuration.
func (n *Notifier) resolveWebhook(target string) (string, bool) {
	if !strings.HasPrefix(target, globalSinkPrefix) {
		return target, true
	}
	for _, w := range n.Webhooks {
		if GlobalSinkRef(w.URL) == target {
			return w.URL, true
		}
	}
	return "", false
}

// WebhookSinkName names a webhook sink by its host and a hash of the whole
// URL ("webhook hooks.example.com #1a2b3c4d5e6f"): the name goes into logs,
// the ledger and run events, and many webhook URLs carry their secret in
// the path (Slack's /services/T/B/<secret>) or the query.
func WebhookSinkName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return SinkWebhook + " (invalid URL) #" + URLHash(raw)
	}
	return SinkWebhook + " " + u.Host + " #" + URLHash(raw)
}

// URLHash is the short hash of a URL that ends a webhook's idempotency key.
func URLHash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:6])
}

// buildPageURL is the page of build id on the API whose public URL is publicURL.
func buildPageURL(publicURL, id string) string {
	return strings.TrimRight(publicURL, "/") + "/builds/" + url.PathEscape(id)
}
