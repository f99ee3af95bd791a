package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// SlackComment is the comment of a decision made from Slack: a button
// carries none.
const SlackComment = "from Slack"

// slackDecide turns a clicked approve or reject button into a decision of
// user and returns what to tell them: what the decision did, or why it was
// not taken. A refusal is an answer to the user, not an error.
func (s *Server) slackDecide(ctx context.Context, user identity.User, action slack.BlockAction) string {
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
	res, err := s.decideOnce(ctx, id, NewRequestID(), d)
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
	case errors.Is(err, ErrNoAnswer):
		return "The promotion did not answer in time; try again in a moment"
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
