package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/ledger"
)

// signedDecisionsChangeID marks promotions that count only signed
// decisions. Promotions recorded before it replay with the old rules.
const signedDecisionsChangeID = "signed-decisions"

// maxRecordedForgeries bounds how many unauthenticated decisions a promotion
// records (as events and in the audit): a flood of forged updates must not
// grow its history to Temporal's limit. Past it, the update validator
// refuses them without a trace, and forged signals are only logged.
const maxRecordedForgeries = 20

// Channels a signed decision may name; the API sets them, never a header.
var signedChannels = []string{"api", "cli", "web", "slack"}

// claim is what a decision or a bake skip says about itself, to be verified.
type claim struct {
	action      string
	environment string
	actor       string
	groups      []string
	channel     string
	comment     string
	proof       *decision.Proof
}

func decisionClaim(d Decision) claim {
	action := decision.ActionReject
	if d.Approve {
		action = decision.ActionApprove
	}
	return claim{action: action, environment: d.Environment, actor: d.Actor, groups: d.Groups,
		channel: d.Channel, comment: d.Comment, proof: d.Proof}
}

func skipBakeClaim(s SkipBake) claim {
	return claim{action: decision.ActionSkipBake, environment: s.Environment, actor: s.Actor,
		channel: s.Channel, comment: s.Reason, proof: s.Proof}
}

// statement is what a signature of c covers.
func (c claim) statement(promotionID, runID, nonce string, at time.Time) decision.Statement {
	return decision.Statement{
		PromotionID: promotionID, RunID: runID, Environment: c.environment, Action: c.action,
		Actor: c.actor, Groups: c.groups, Channel: c.channel, Comment: c.comment,
		Nonce: nonce, IssuedAt: at,
	}
}

// signedBeforeStartSlack is how long before a promotion's run a decision
// signed for it may have been signed: the API's clock and Temporal's may
// differ by that much.
const signedBeforeStartSlack = 5 * time.Minute

// SignDecision returns d with the proof that s signed it for the promotion
// promotionID, with nonce (the request id) at time at. The API signs every
// decision it sends so; nothing else holds the key.
func SignDecision(s *decision.Signer, promotionID, nonce string, at time.Time, d Decision) Decision {
	p := s.Sign(decisionClaim(d).statement(promotionID, "", nonce, at))
	d.Proof = &p
	return d
}

// SignSkipBake is SignDecision for a bake skip.
func SignSkipBake(s *decision.Signer, promotionID, nonce string, at time.Time, sb SkipBake) SkipBake {
	p := s.Sign(skipBakeClaim(sb).statement(promotionID, "", nonce, at))
	sb.Proof = &p
	return sb
}

// authenticate says which channel a claim counts under, or why it does not
// count. Before signed decisions (r.signed false) every claim counts as it
// says. Afterwards a claim counts when one of the promotion's decision keys
// signed it for this promotion (and run, when the signer named one) with a
// nonce not used before; an unsigned claim counts only through the
// temporal-operator override, under the channel temporal-operator. It only
// reads the state: validators call it.
func (r *promotionRun) authenticate(c claim) (string, error) {
	if !r.signed {
		return c.channel, nil
	}
	p := c.proof
	if p == nil || len(p.Signature) == 0 {
		if r.in.OperatorDecisions {
			return ChannelTemporalOperator, nil
		}
		return "", refuse(ErrTypeUnauthenticated, "unauthenticated: %v", decision.ErrUnsigned)
	}
	if err := decision.Verify(r.in.DecisionKeys, c.statement(p.PromotionID, p.RunID, p.Nonce, p.IssuedAt), p); err != nil {
		return "", refuse(ErrTypeUnauthenticated, "unauthenticated: %v", err)
	}
	switch {
	case p.PromotionID != r.rec.state.ID:
		return "", refuse(ErrTypeUnauthenticated, "unauthenticated: signed for promotion %s, not this one", clip(p.PromotionID))
	case p.RunID != "" && p.RunID != r.rec.state.RunID:
		return "", refuse(ErrTypeUnauthenticated, "unauthenticated: signed for another run of this promotion")
	case p.Nonce == "":
		return "", refuse(ErrTypeUnauthenticated, "unauthenticated: the signed decision has no nonce")
	case r.nonces[p.Nonce]:
		return "", refuse(ErrTypeUnauthenticated, "unauthenticated: replayed: request %s was used already", clip(p.Nonce))
	case r.trustChecks && p.IssuedAt.Before(r.rec.state.StartedAt.Add(-signedBeforeStartSlack)):
		// Signed for an earlier run of this ID (a rollback or redeploy with
		// the same request id, once retention removed that run): its nonce
		// is not among this run's.
		return "", refuse(ErrTypeUnauthenticated, "unauthenticated: signed at %s, before this run started",
			p.IssuedAt.UTC().Format(time.RFC3339))
	case !slices.Contains(signedChannels, c.channel):
		return "", refuse(ErrTypeUnauthenticated, "unauthenticated: channel %q is not one the API signs", clip(c.channel))
	}
	return c.channel, nil
}

// useNonce marks the nonce of an applied claim as used.
func (r *promotionRun) useNonce(p *decision.Proof) {
	if !r.signed || p == nil || p.Nonce == "" {
		return
	}
	if r.nonces == nil {
		r.nonces = map[string]bool{}
	}
	r.nonces[p.Nonce] = true
}

// replayed refuses a claim whose nonce a decision applied already: a copy
// of a signed decision (from the history, or a retry whose Update ID
// Temporal no longer knows). The validator rejects it without recording it
// (the signed decision it copies counted once, and may be the caller's own).
func (r *promotionRun) replayed(c claim) error {
	if !r.signed || c.proof == nil || c.proof.Nonce == "" || !r.nonces[c.proof.Nonce] {
		return nil
	}
	return refuse(ErrTypeUnauthenticated, "unauthenticated: replayed: request %s was used already", clip(c.proof.Nonce))
}

// validateUnauthenticated is the update validator's answer to a claim that
// did not authenticate: nil (let the handler record the attempt and refuse
// it) while the promotion still records forgeries, else the refusal itself.
func (r *promotionRun) validateUnauthenticated(err error) error {
	if r.forgeries < maxRecordedForgeries {
		return nil
	}
	return err
}

// recordForgery records a claim that did not authenticate: an event on the
// promotion and an entry in the ledger's audit (channel temporal). Past
// maxRecordedForgeries it is only logged.
func (r *promotionRun) recordForgery(ctx workflow.Context, via string, c claim, err error) {
	r.forgeries++
	logger := workflow.GetLogger(ctx)
	if r.forgeries > maxRecordedForgeries {
		logger.Warn("Unauthenticated decision refused and not recorded", "via", via, "environment", clip(c.environment), "error", err)
		return
	}
	logger.Warn("Unauthenticated decision refused", "via", via, "environment", clip(c.environment), "actor", clip(c.actor), "error", err)
	reason := failureMessage(err)
	r.rec.emit(EventDecisionRefused, clip(c.environment), fmt.Sprintf("refused %s of %s claimed by %s (%s, sent straight to Temporal as a %s): %s",
		c.action, clip(c.environment), clip(actorName(c.actor)), clip(c.channel), via, reason))
	r.rec.publish(ctx, r.cur)
	r.rec.syncApprovals(ctx)
	r.rec.writes++
	defer func() { r.rec.writes-- }()
	r.rec.writeLedger(ctx, activityRecordAudit, ledger.AuditEntry{
		Key: fmt.Sprintf("%s/%s/forged/%d", r.rec.state.ID, r.rec.state.RunID, r.forgeries),
		At:  r.now(), Actor: clip(c.actor), Action: c.action, Project: r.in.Project,
		Target:  r.rec.state.ID + " " + clip(c.environment),
		Channel: AuditChannelTemporal, Outcome: ledger.AuditRefused,
		Reason: fmt.Sprintf("%s (claimed channel %q, via %s)", reason, clip(c.channel), via),
	})
}

// clip shortens text an attacker chose before it is shown or stored.
func clip(s string) string {
	const max = 80
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
