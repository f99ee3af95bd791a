package activities_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
)

// sectionText is the mrkdwn text of the first section block of a posted message.
func sectionText(t *testing.T, blocks string) string {
	t.Helper()
	var bs []struct {
		Type string `json:"type"`
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	require.NoError(t, json.Unmarshal([]byte(blocks), &bs))
	require.NotEmpty(t, bs)
	require.Equal(t, "section", bs[0].Type)
	return bs[0].Text.Text
}

// TestPostSlackEscapesUserText posts a build whose branch is the attack of
// issue 13: the message must hold no mention and no link, and the branch's
// backticks must not close the title's code span.
func TestPostSlackEscapesUserText(t *testing.T) {
	n, fake, _ := newSlackNotifier(t)
	branch := "x`<!channel>`<https://evil.example|Approve>"
	msg := activities.SlackMessage{Channel: "#builds",
		Title: "*demo* build `" + branch + "@0123456789ab`: running",
		Lines: []string{"• task.fail verify unit <@U024BE7LH> & `<!here>` <https://evil.example|Approve> > done"},
		Event: sampleEvent("TASK_FAIL")}
	_, err := n.PostSlack(context.Background(), msg)
	require.NoError(t, err)
	calls := fake.get()
	require.Len(t, calls, 1)
	text := sectionText(t, calls[0].Form.Get("blocks"))
	require.Equal(t,
		"*demo* build `xˋ&lt;!channel&gt;ˋ&lt;https://evil.example|Approve&gt;@0123456789ab`: running\n"+
			"• task.fail verify unit &lt;@U024BE7LH&gt; &amp; ˋ&lt;!here&gt;ˋ &lt;https://evil.example|Approve&gt; &gt; done",
		text)
	for _, part := range []string{text, calls[0].Form.Get("text")} {
		require.NotContains(t, part, "<")
		require.NotContains(t, part, ">")
		// The title's code span is the only one: exactly its two backticks.
		require.Equal(t, 2, strings.Count(part, "`"), part)
	}
}
