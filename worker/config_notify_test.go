package worker

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

func TestConfigFromEnvNotify(t *testing.T) {
	env := map[string]string{
		"DROVER_SLACK_TOKEN": "xoxb-1", "DROVER_SLACK_CHANNEL": "#builds", "DROVER_WEBHOOK_SECRET": "k",
		"DROVER_SLACK_API_URL":   "https://slack.test/api",
		"DROVER_NOTIFY_WEBHOOKS": "https://a.example.com/x, https://b.example.com/y",
		"DROVER_STATUS_TARGETS":  "GITHUB_COM", "DROVER_STATUS_GITHUB_COM_TOKEN": "gh",
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, NotifyConfig{
		SlackToken: "xoxb-1", SlackChannel: "#builds", SlackAPIURL: "https://slack.test/api/", WebhookSecret: "k",
		Webhooks: []pipeline.WebhookNotify{{URL: "https://a.example.com/x"}, {URL: "https://b.example.com/y"}},
		Statuses: activities.StatusTargets{{Host: "github.com", Forge: "github", BaseURL: "https://api.github.com", Token: "gh"}},
	}, cfg.Notify)

	env["DROVER_STATUS_TARGETS"] = "CORP"
	_, err = ConfigFromEnv(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "DROVER_STATUS_CORP_TOKEN")
}
