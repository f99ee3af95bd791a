package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// DefaultSlackResponseHost is the host of the response_url of Slack's
// interactions, the only host answers are posted to unless configured.
const DefaultSlackResponseHost = "hooks.slack.com"

// Bounds of answering one Slack interaction: deciding and posting the answer
// (Slack honours a response_url for 30 minutes), and one POST to it.
const (
	slackAnswerTimeout = time.Minute
	slackReplyTimeout  = 10 * time.Second
)

// slackClick is what answering one click on a Slack button needs of the
// interaction's payload: values only, as the request is gone by then.
type slackClick struct {
	UserID      string // the Slack user who clicked
	TriggerID   string // the interaction's trigger_id
	ResponseURL string
	Action      slack.BlockAction
}

// answerSlack takes the decision of click and posts what it did, or why it
// was refused, to its response_url as an ephemeral message that only the
// clicking user sees.
func (s *Server) answerSlack(ctx context.Context, click slackClick) {
	ctx, cancel := context.WithTimeout(ctx, slackAnswerTimeout)
	defer cancel()
	text := slackNotLinked
	if user, ok := s.slackUser(click.UserID); ok {
		text = s.slackDecide(ctx, user, click)
	} else {
		s.logger().InfoContext(ctx, "slack user not linked", "slack_user", click.UserID)
	}
	if err := s.replySlack(ctx, click.ResponseURL, ephemeral(text)); err != nil {
		s.logger().WarnContext(ctx, "slack answer not delivered", "slack_user", click.UserID, "error", err)
	}
}

// waitSlackAnswers waits until the Slack clicks already acknowledged are
// decided and answered, or ctx ends: a graceful shutdown loses none.
func (s *Server) waitSlackAnswers(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		s.slackReplies.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.logger().WarnContext(ctx, "shut down with slack answers pending")
	}
}

// replySlack posts r to an interaction's response_url. The URL comes from
// the request's payload: it is only posted to over https on one of the
// allowed hosts, so that a signed payload cannot make Drover call anything
// else, and no redirect is followed. Errors never quote the URL, which
// lets anyone post to the channel for half an hour.
func (s *Server) replySlack(ctx context.Context, responseURL string, r SlackResponse) error {
	u, err := s.slackResponseURL(responseURL)
	if err != nil {
		return err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode slack answer: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, slackReplyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("slack answer to %s: %w", u.Host, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := s.slackHTTP().Do(req)
	if err != nil {
		// *url.Error quotes the URL.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("post slack answer to %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post slack answer to %s: status %s", u.Host, resp.Status)
	}
	return nil
}

// slackResponseURL parses raw and checks that it is an https URL on an
// allowed host (SlackResponseHosts).
func (s *Server) slackResponseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("the interaction has no response_url")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Host == "" {
		return nil, errors.New("response_url is not an https URL")
	}
	hosts := s.SlackResponseHosts
	if len(hosts) == 0 {
		hosts = []string{DefaultSlackResponseHost}
	}
	for _, h := range hosts {
		if strings.EqualFold(u.Host, h) || (u.Port() == "443" && strings.EqualFold(u.Hostname(), h)) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("response_url host %s is not an allowed Slack host", u.Host)
}

// slackHTTP is the client of answers: SlackHTTP, or one with a timeout,
// never following a redirect.
func (s *Server) slackHTTP() *http.Client {
	c := http.Client{Timeout: slackReplyTimeout}
	if s.SlackHTTP != nil {
		c = *s.SlackHTTP
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// splitSlackHosts reads DROVER_SLACK_RESPONSE_HOSTS: comma separated hosts.
func splitSlackHosts(raw string) []string {
	var hosts []string
	for _, h := range strings.Split(raw, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}
