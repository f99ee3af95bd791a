package workflows

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

func TestPromotionSlackApprovalButtonsAndDeployStatus(t *testing.T) {
	var mu sync.Mutex
	var posts []string // method and blocks of each Slack call
	slackSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		posts = append(posts, strings.TrimPrefix(r.URL.Path, "/")+" "+r.PostForm.Get("ts")+" "+r.PostForm.Get("blocks"))
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C7", "ts": "1700000000.000300"})
	}))
	defer slackSrv.Close()
	forge, statuses := statusForge(t)

	pe := newPromotionEnv(t, nil)
	pe.env.RegisterActivity(&activities.Notifier{
		Slack:    slack.New("xoxb-test", slack.OptionAPIURL(slackSrv.URL+"/")),
		Statuses: activities.StatusTargets{{Host: "git.example.com", Forge: activities.ForgeGitea, BaseURL: forge.URL, Token: "t"}},
	})
	decided := pe.update(time.Hour, DecideUpdate, approve("prod", "bob", "release"))
	in := promotionInput(environment("prod", withApproval(1, "group:release")))
	in.Repository = "https://git.example.com/acme/demo.git"
	in.Notify = &pipeline.Notify{Slack: &pipeline.SlackNotify{Channel: "#deploys"}}
	state, err := pe.run(t, in)
	require.NoError(t, err)
	require.NoError(t, decided.err)
	require.Equal(t, PromotionCompleted, state.Status)

	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, len(posts), 2)
	require.True(t, strings.HasPrefix(posts[0], "chat.postMessage  "), posts[0])
	require.Contains(t, posts[0], `"action_id":"approve"`)
	require.Contains(t, posts[0], `"value":"promote/demo/1.2.0|prod"`)
	last := posts[len(posts)-1]
	require.True(t, strings.HasPrefix(last, "chat.update 1700000000.000300 "), last)
	require.NotContains(t, last, `"action_id":"approve"`)
	require.Contains(t, last, "PROMOTION_COMPLETE")

	require.NotEmpty(t, statuses())
	require.Equal(t, "/api/v1/repos/acme/demo/statuses/0123456789abcdef drover/deploy/prod pending", statuses()[0])
	require.Equal(t, "/api/v1/repos/acme/demo/statuses/0123456789abcdef drover/deploy/prod success", statuses()[len(statuses())-1])
	require.Empty(t, promotionSinkFailures(state))
}

func promotionSinkFailures(s PromotionState) []string {
	var out []string
	for _, ev := range s.Events {
		if ev.Type == EventSinkFailed {
			out = append(out, ev.Message)
		}
	}
	return out
}
