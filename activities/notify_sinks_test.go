package activities_test

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

func TestResolveSinks(t *testing.T) {
	global := pipeline.WebhookNotify{URL: "https://audit.example.com/in"}
	project := &pipeline.Notify{
		Slack:    &pipeline.SlackNotify{Channel: "#foas"},
		Webhooks: []pipeline.WebhookNotify{{URL: "https://hooks.example.com/x", Events: []string{"BUILD_FAIL"}}, global},
	}
	targets := activities.StatusTargets{{Host: "github.com", Forge: "github", BaseURL: "https://api.github.com", Token: "t"}}
	for _, tc := range []struct {
		name string
		n    activities.Notifier
		in   activities.ResolveSinksInput
		want activities.NotifySinks
	}{
		{"nothing configured", activities.Notifier{}, activities.ResolveSinksInput{Notify: &pipeline.Notify{Slack: &pipeline.SlackNotify{Channel: "#x"}}}, activities.NotifySinks{}},
		{"project and global merged", activities.Notifier{Webhooks: []pipeline.WebhookNotify{global}, Slack: slack.New("x"), Statuses: targets},
			activities.ResolveSinksInput{Notify: project, Repository: "https://github.com/acme/foas.git"},
			activities.NotifySinks{Webhooks: project.Webhooks, SlackChannel: "#foas", CommitStatus: true}},
		{"defaults only", activities.Notifier{Webhooks: []pipeline.WebhookNotify{global}, Slack: slack.New("x"), SlackChannelDefault: "#builds", Statuses: targets},
			activities.ResolveSinksInput{Repository: "/srv/git/foas"},
			// The global sink's URL comes from the worker's configuration: only a reference enters history.
			activities.NotifySinks{Webhooks: []pipeline.WebhookNotify{{URL: activities.GlobalSinkRef(global.URL)}}, SlackChannel: "#builds"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.n.ResolveSinks(context.Background(), tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.want.Empty(), got.Empty())
		})
	}
}
