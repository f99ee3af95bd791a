package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// IdempotencyKeyHeader carries a decision's request id when the body has no
// request_id: a retry with the same id learns the first outcome.
const IdempotencyKeyHeader = "Idempotency-Key"

// decisionRetryAfter is the Retry-After of a decision that may have been applied.
const decisionRetryAfter = "5"

// ErrMayHaveBeenApplied is the answer to a decision whose outcome is
// unknown: Temporal or the promotion did not answer in time, but may have
// taken it.
var ErrMayHaveBeenApplied = errors.New("the decision may have been applied; retry with the same request id to learn the outcome")

// decisionRequestID is the request id of a decision: the body's, else the
// Idempotency-Key header's, else a new one. A malformed id is a 400.
func decisionRequestID(c *gin.Context, fromBody string) (string, error) {
	id := strings.TrimSpace(fromBody)
	if id == "" {
		id = strings.TrimSpace(c.GetHeader(IdempotencyKeyHeader))
	}
	if id == "" {
		return uuid.NewString(), nil
	}
	if !saneRequestID(id) {
		return "", errorf(http.StatusBadRequest, codeBadRequest,
			"request_id: want 1 to 128 letters, digits and -_.: (it is also the Idempotency-Key)")
	}
	return id, nil
}

// NewRequestID returns a new decision request id, as the CLI and pages make them.
func NewRequestID() string { return uuid.NewString() }

// signedDecision signs d for promotion id under requestID, which is also
// the Temporal Update ID of the decision.
func (s *Server) signedDecision(id, requestID string, d workflows.Decision) workflows.Decision {
	return workflows.SignDecision(s.signer(), id, requestID, time.Now().UTC(), d)
}

func (s *Server) signedSkipBake(id, requestID string, sb workflows.SkipBake) workflows.SkipBake {
	return workflows.SignSkipBake(s.signer(), id, requestID, time.Now().UTC(), sb)
}

// decideOnce sends a signed decision with requestID as its Update ID. When
// the promotion refuses it or has ended, a decision with the same request id
// that it applied earlier is the answer (the first attempt's outcome,
// reached after a timeout).
func (s *Server) decideOnce(ctx context.Context, id, requestID string, d workflows.Decision) (workflows.DecisionResult, error) {
	res, err := s.Promotions.Decide(ctx, id, s.signedDecision(id, requestID, d))
	if err == nil {
		return res, nil
	}
	var refused *RefusedError
	if errors.Is(err, ErrPromotionFinished) || errors.As(err, &refused) {
		// Found by its request id: the caller's own decision, applied by an
		// earlier attempt (a refusal as replayed or already decided is
		// about that one).
		if earlier, ok := s.earlierDecision(ctx, id, requestID, d.Actor); ok {
			return earlier, nil
		}
	}
	return res, err
}

// earlierDecision finds the outcome of actor's decision with requestID in
// the promotion's state.
func (s *Server) earlierDecision(ctx context.Context, id, requestID, actor string) (workflows.DecisionResult, bool) {
	st, err := s.Promotions.State(ctx, id, "")
	if err != nil {
		return workflows.DecisionResult{}, false
	}
	for _, es := range st.Environments {
		for _, g := range es.Gates {
			for _, d := range g.Decisions {
				if d.RequestID == requestID && d.Actor == actor {
					return workflows.DecisionResult{Environment: es.Name, State: g.State, Approvals: approvals(g), Required: g.Required}, true
				}
			}
		}
	}
	return workflows.DecisionResult{}, false
}

// decisionError reports err of a decision; an unknown outcome is a 503 with
// Retry-After saying it may have been applied.
func decisionError(c *gin.Context, id, requestID, op string, err error) {
	if errors.Is(err, ErrNoAnswer) || errors.Is(err, ErrMayHaveBeenApplied) {
		c.Header("Retry-After", decisionRetryAfter)
		_ = c.Error(errorf(http.StatusServiceUnavailable, codeUnavailable,
			"promotion %s did not answer in time: the decision may have been applied; retry with the same request id (%s) to learn the outcome",
			id, requestID))
		return
	}
	_ = c.Error(promotionError(id, op, err))
}

// pagePromotions gives the web pages the promotions: a form's decision needs
// the signed-in user's promote role, and is signed for the channel web; the request id travels as the Proof's nonce.
type pagePromotions struct {
	Promotions
	s *Server
}

func (p pagePromotions) Decide(ctx context.Context, id string, d workflows.Decision) (workflows.DecisionResult, error) {
	action := "reject"
	if d.Approve {
		action = "approve"
	}
	if err := p.s.authorizeForm(ctx, projectOfID(id), registry.RolePromote, action, id); err != nil {
		return workflows.DecisionResult{}, err
	}
	requestID := ""
	if d.Proof != nil {
		requestID = d.Proof.Nonce
	}
	if !saneRequestID(requestID) {
		requestID = NewRequestID()
	}
	d.Channel, d.Proof = "web", nil
	res, err := p.s.decideOnce(ctx, id, requestID, d)
	if errors.Is(err, ErrNoAnswer) {
		return res, fmt.Errorf("promotion %s: %w", id, ErrMayHaveBeenApplied)
	}
	return res, err
}

// approvals counts the approving decisions of g.
func approvals(g workflows.GateState) int {
	n := 0
	for _, d := range g.Decisions {
		if d.Approve {
			n++
		}
	}
	return n
}
