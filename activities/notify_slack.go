package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/temporal"
)

// slackPermanentErrors are Slack API errors no retry can fix.
var slackPermanentErrors = []string{
	"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed",
	"account_inactive", "token_revoked", "missing_scope", "message_not_found", "cant_update_message",
}

// PostSlack posts the run's message with chat.postMessage when in.TS is empty
// and updates it in place with chat.update otherwise, so a run has one
// message. A pending approval gets Approve and Reject buttons.
func (n *Notifier) PostSlack(ctx context.Context, in SlackMessage) (SlackPosted, error) {
	sink := SinkSlack + " " + in.Channel
	if n.Slack == nil {
		err := temporal.NewNonRetryableApplicationError("slack is not configured", ErrTypeSinkRejected, nil)
		n.record(ctx, sink, in.Event, "", err)
		return SlackPosted{}, err
	}
	opts := []slack.MsgOption{slack.MsgOptionText(slackFallback(in), false), slack.MsgOptionBlocks(n.slackBlocks(in)...)}
	var out SlackPosted
	var err error
	if in.TS == "" {
		out.Channel, out.TS, err = n.Slack.PostMessageContext(ctx, in.Channel, opts...)
	} else {
		out.Channel, out.TS, _, err = n.Slack.UpdateMessageContext(ctx, in.Channel, in.TS, opts...)
	}
	if err != nil {
		err = slackError(err)
		n.record(ctx, sink, in.Event, "", err)
		return SlackPosted{}, fmt.Errorf("post %s to %s: %w", in.Event.Type, sink, err)
	}
	n.record(ctx, sink, in.Event, "", nil)
	if out.TS == "" {
		out.TS = in.TS
	}
	return out, nil
}

// slackError makes a Slack error that no retry can fix non-retryable.
func slackError(err error) error {
	var se slack.SlackErrorResponse
	msg := err.Error()
	if errors.As(err, &se) {
		msg = se.Err
	}
	for _, p := range slackPermanentErrors {
		if msg == p {
			return temporal.NewNonRetryableApplicationError("slack: "+msg, ErrTypeSinkRejected, nil)
		}
	}
	return err
}

func slackFallback(in SlackMessage) string {
	title := slackTitle(in.Title)
	if len(in.Lines) == 0 {
		return title
	}
	return title + ": " + slackLine(in.Lines[len(in.Lines)-1])
}

// slackEscaper applies Slack's escaping rules for message text: '&', '<' and
// '>' become entities, so no user text (a branch name, a comment, a failure
// message) can write a mention (<!channel>, <@U123>) or a link
// (<https://evil.example|Approve>). Drover's own links are built in blocks
// of their own, never in this text.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackBacktick stands for a backtick of user text: Slack has no escape for
// '`', and one would end the code span the text is shown in.
const slackBacktick = "ˋ" // U+02CB MODIFIER LETTER GRAVE ACCENT

// slackLine escapes an event line, which Drover does not format: every
// backtick in it is the user's.
func slackLine(s string) string {
	return strings.ReplaceAll(slackEscaper.Replace(s), "`", slackBacktick)
}

// slackTitle escapes a run's title. Drover formats it with at most one code
// span, around the branch and commit ("*demo* build `main@abc123`: running"):
// its first and last backticks are kept and any between them, which come
// from the branch name, are replaced.
func slackTitle(s string) string {
	s = slackEscaper.Replace(s)
	first, last := strings.Index(s, "`"), strings.LastIndex(s, "`")
	if first < 0 || first == last {
		return strings.ReplaceAll(s, "`", slackBacktick)
	}
	return s[:first+1] + strings.ReplaceAll(s[first+1:last], "`", slackBacktick) + s[last:]
}

func (n *Notifier) slackBlocks(in SlackMessage) []slack.Block {
	text := slackTitle(in.Title)
	for _, l := range in.Lines {
		text += "\n" + slackLine(l)
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
	}
	if u := n.runURL(in.Event); u != "" || in.RunURL != "" {
		if in.RunURL != "" {
			u = in.RunURL
		}
		blocks = append(blocks, slack.NewContextBlock("run",
			slack.NewTextBlockObject(slack.MarkdownType, "<"+u+"|Open in Drover>", false, false)))
	}
	if a := in.Approval; a != nil {
		value := a.PromotionID + "|" + a.Environment
		approve := slack.NewButtonBlockElement(SlackActionApprove, value,
			slack.NewTextBlockObject(slack.PlainTextType, "Approve "+a.Environment, false, false)).WithStyle(slack.StylePrimary).
			WithConfirm(slackConfirm("Approve "+a.Environment+"?", "Deploy to "+a.Environment+" once the approvals are complete.", "Approve"))
		reject := slack.NewButtonBlockElement(SlackActionReject, value,
			slack.NewTextBlockObject(slack.PlainTextType, "Reject", false, false)).WithStyle(slack.StyleDanger).
			WithConfirm(slackConfirm("Reject "+a.Environment+"?", "The promotion stops at "+a.Environment+".", "Reject"))
		blocks = append(blocks, slack.NewActionBlock("approval", approve, reject))
	}
	return blocks
}

// slackConfirm is the dialog Slack shows before it sends a click, so that
// an approval is never a slip of the mouse.
func slackConfirm(title, text, confirm string) *slack.ConfirmationBlockObject {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	return slack.NewConfirmationBlockObject(plain(title), plain(text), plain(confirm), plain("Cancel"))
}
