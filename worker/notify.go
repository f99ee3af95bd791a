package worker

import (
	"log/slog"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
)

// newNotifier builds the notification activities from the worker's
// configuration; deliveries are recorded in the ledger.
func newNotifier(cfg Config, ldg *ledger.Ledger, logger *slog.Logger) *activities.Notifier {
	n := &activities.Notifier{
		SlackChannelDefault: cfg.Notify.SlackChannel,
		Webhooks:            cfg.Notify.Webhooks,
		WebhookSecret:       cfg.Notify.WebhookSecret,
		Statuses:            cfg.Notify.Statuses,
		Deliveries:          ldg,
		PublicURL:           cfg.PublicURL,
		Logger:              logger,
		HTTP:                &http.Client{Transport: activities.OutboundTransport()},
	}
	if cfg.Notify.SlackToken != "" {
		var opts []slack.Option
		if cfg.Notify.SlackAPIURL != "" {
			opts = append(opts, slack.OptionAPIURL(cfg.Notify.SlackAPIURL))
		}
		n.Slack = slack.New(cfg.Notify.SlackToken, opts...)
	}
	return n
}
