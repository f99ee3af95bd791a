package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// SlackComment is the comment of a decision made from Slack: a button
// carries none.
const SlackComment = "from Slack"

// slackDecide turns a clicked approve or reject button into a decision of
// user and returns what to tell them: what the decision did, or why it was
// not taken. A refusal is an answer to the user, not an error. The
// decision's request id comes from the click (slackRequestID), so a click
// delivered twice is one decision.
func (s *Server) slackDecide(ctx context.Context, user identity.User, click slackClick) string {
	action := click.Action
	id, env, ok := strings.Cut(action.Value, "|")
	id, env = strings.TrimSpace(id), strings.TrimSpace(env)
	if !ok || id == "" || env == "" {
		return "This button names no promotion; decide with the drover CLI instead"
	}
	approve := action.ActionID == SlackActionApprove
	verb := "reject"
	if approve {
		verb = "approve"
	}
	if err := s.authorizeUser(ctx, user, projectOfID(id), registry.RolePromote, verb, id, "slack"); err != nil {
		return "Refused: " + err.Error()
	}
	d := workflows.Decision{Environment: env, Approve: approve, Actor: user.Name, Groups: user.Groups,
		Comment: SlackComment, Channel: "slack"}
	res, err := s.decideOnce(ctx, id, slackRequestID(click, id, env), d)
	if err != nil {
		return s.slackRefusal(ctx, id, d, err)
	}
	s.logger().InfoContext(ctx, "promotion decision accepted", "promotion_id", id,
		"environment", env, "approve", approve, "actor", d.Actor, "channel", d.Channel, "gate", res.State)
	version := versionOf(id)
	if !approve {
		return fmt.Sprintf("Rejected %s of %s", env, version)
	}
	if res.Required > 0 {
		return fmt.Sprintf("Approved %s of %s (%d of %d)", env, version, res.Approvals, res.Required)
	}
	return fmt.Sprintf("Approved %s of %s", env, version)
}

// SlackNoAnswer is the answer to a click whose decision the promotion did
// not answer in time: it may have been taken. Clicking again is safe: the
// promotion then says what the first click did ("already approved"), or
// takes the decision.
const SlackNoAnswer = "The promotion did not answer in time: your decision may have been applied; click again to learn the outcome"

// slackRequestID is the request id of the decision a click makes, derived
// from the click: the Slack user, the interaction's trigger_id and the
// action's action_ts, the button, the promotion and the environment. A
// payload delivered twice (Slack's retry, a proxy's) is then one decision,
// whose outcome the second delivery learns; a new click is a new decision.
// A payload with neither trigger_id nor action_ts gets a new id.
func slackRequestID(click slackClick, promotionID, env string) string {
	if click.TriggerID == "" && click.Action.ActionTs == "" {
		return NewRequestID()
	}
	h := sha256.New()
	for _, part := range []string{click.UserID, click.TriggerID, click.Action.ActionTs, click.Action.ActionID, promotionID, env} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "slack-" + hex.EncodeToString(h.Sum(nil))
}

// slackRefusal says why Decide did not take decision d of promotion id.
func (s *Server) slackRefusal(ctx context.Context, id string, d workflows.Decision, err error) string {
	var refused *RefusedError
	switch {
	case errors.As(err, &refused):
		s.logger().InfoContext(ctx, "promotion decision refused", "promotion_id", id,
			"environment", d.Environment, "actor", d.Actor, "channel", d.Channel, "kind", refused.Kind)
		return refused.Reason
	case errors.Is(err, ErrNotFound):
		return fmt.Sprintf("Promotion %s not found", id)
	case errors.Is(err, ErrPromotionFinished):
		return fmt.Sprintf("The promotion of %s is not running any more", versionOf(id))
	case errors.Is(err, ErrNoAnswer), errors.Is(err, ErrMayHaveBeenApplied):
		return SlackNoAnswer
	}
	s.logger().ErrorContext(ctx, "slack decision failed", "promotion_id", id,
		"environment", d.Environment, "actor", d.Actor, "error", err)
	return "Drover could not record your decision; try again, or decide with the drover CLI"
}

// versionOf is the version of promotion id (promote/<project>/<version>),
// or id itself when it has not that shape.
func versionOf(id string) string {
	rest, ok := strings.CutPrefix(id, "promote/")
	if !ok {
		return id
	}
	if _, version, ok := strings.Cut(rest, "/"); ok && version != "" {
		return version
	}
	return id
}
