package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/slack-go/slack"

	"github.com/drover-ci/drover/identity"
)

// SlackUserDirectory maps Slack accounts to Drover users; *identity.Directory
// implements it.
type SlackUserDirectory interface {
	// BySlackUser returns the user linked to the Slack member ID id, and
	// whether there is one.
	BySlackUser(id string) (identity.User, bool)
}

// SlackResponse is the answer to a Slack interaction, posted to its
// response_url: a message Slack shows to the user who clicked, and only to
// them when ephemeral.
type SlackResponse struct {
	ResponseType    string `json:"response_type"`
	ReplaceOriginal bool   `json:"replace_original"`
	Text            string `json:"text"`
}

// Slack action IDs of the Approve and Reject buttons of an approval message;
// their value is "<promotion id>|<environment>".
const (
	SlackActionApprove = "approve"
	SlackActionReject  = "reject"
)

// slackNotLinked answers a Slack user the identity file does not link.
const slackNotLinked = "Your Slack account is not linked to a Drover user"

// slackInteraction serves POST /api/v1/slack/interactions, Slack's
// interactivity request URL. The request authenticates by Slack's signature
// over the raw body, and the clicking Slack user is mapped to a Drover user
// through the identity file: only then is an approve or reject button
// turned into a decision. Slack wants a 200 within 3 seconds and ignores
// the body of the answer to a block action, so the button is acknowledged
// at once with an empty 200, and the decision is taken afterwards: what it
// did, or why it was refused, reaches the user as an ephemeral message
// posted to the interaction's response_url (see answerSlack).
func (s *Server) slackInteraction(c *gin.Context) {
	if s.SlackSigningSecret == "" {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "no such route"))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		_ = c.Error(fmt.Errorf("read slack interaction: %w", err))
		return
	}
	if err := verifySlackSignature(c.Request.Header, body, s.SlackSigningSecret); err != nil {
		s.logger().InfoContext(c.Request.Context(), "slack interaction refused", "reason", err.Error(), "remote", c.ClientIP())
		_ = c.Error(unauthorized(err.Error()))
		return
	}
	cb, err := parseSlackInteraction(body)
	if err != nil {
		_ = c.Error(err)
		return
	}
	action, ok := decisionAction(cb)
	if !ok {
		// Other interactions (a link button, a dialog closed) need no answer.
		c.Status(http.StatusOK)
		return
	}
	// The gin context is reused once the handler returns: the answer gets
	// only values, and a context that outlives the request.
	ctx := context.WithoutCancel(c.Request.Context())
	click := slackClick{UserID: cb.User.ID, TriggerID: cb.TriggerID, ResponseURL: cb.ResponseURL, Action: *action}
	s.slackReplies.Add(1)
	go func() {
		defer s.slackReplies.Done()
		s.answerSlack(ctx, click)
	}()
	c.Status(http.StatusOK)
}

// verifySlackSignature checks Slack's v0 signature of body: a request
// signed more than five minutes away from now, or not with secret, is refused.
// The error says which, never what the signature should have been.
func verifySlackSignature(header http.Header, body []byte, secret string) error {
	v, err := slack.NewSecretsVerifier(header, secret)
	switch {
	case errors.Is(err, slack.ErrExpiredTimestamp):
		return errors.New("stale Slack request: its timestamp is more than 5 minutes away")
	case errors.Is(err, slack.ErrMissingHeaders):
		return errors.New("missing Slack signature headers")
	case err != nil:
		return errors.New("invalid Slack signature")
	}
	if _, err := v.Write(body); err != nil {
		return errors.New("invalid Slack signature")
	}
	if err := v.Ensure(); err != nil {
		return errors.New("invalid Slack signature")
	}
	return nil
}

// parseSlackInteraction reads the form-encoded payload=<json> of a verified request.
func parseSlackInteraction(body []byte) (slack.InteractionCallback, error) {
	var cb slack.InteractionCallback
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		return cb, errorf(http.StatusBadRequest, codeBadRequest, "a Slack interaction is a form with a payload field")
	}
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return cb, errorf(http.StatusBadRequest, codeBadRequest, "invalid Slack interaction payload")
	}
	return cb, nil
}

// decisionAction returns the approve or reject button clicked in a block
// action interaction.
func decisionAction(cb slack.InteractionCallback) (*slack.BlockAction, bool) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil, false
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a != nil && (a.ActionID == SlackActionApprove || a.ActionID == SlackActionReject) {
			return a, true
		}
	}
	return nil, false
}

func (s *Server) slackUser(id string) (identity.User, bool) {
	if s.SlackUsers == nil || id == "" {
		return identity.User{}, false
	}
	return s.SlackUsers.BySlackUser(id)
}

func ephemeral(text string) SlackResponse {
	return SlackResponse{ResponseType: "ephemeral", ReplaceOriginal: false, Text: text}
}
