package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// registerHandlers sets the promotion's query and update handlers. A
// decision or bake skip that does not authenticate (see authenticate) passes
// the validator only so that its handler can record the attempt (an event and
// an audit entry) and refuse it; past maxRecordedForgeries the validator
// refuses it outright.
func (r *promotionRun) registerHandlers(ctx workflow.Context) error {
	r.signed = r.rec.current || workflow.GetVersion(ctx, signedDecisionsChangeID, workflow.DefaultVersion, 1) == 1
	if err := workflow.SetQueryHandler(ctx, PromotionStateQuery, func() (PromotionState, error) {
		return r.rec.state, nil
	}); err != nil {
		return fmt.Errorf("set query handler: %w", err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, DecideUpdate,
		func(ctx workflow.Context, d Decision) (DecisionResult, error) {
			ch, err := r.authenticate(decisionClaim(d))
			if err != nil {
				r.recordForgery(ctx, "update", decisionClaim(d), err)
				return DecisionResult{}, err
			}
			d.Channel = ch
			return r.decide(ctx, d), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, d Decision) error {
			if err := r.replayed(decisionClaim(d)); err != nil {
				return err
			}
			ch, err := r.authenticate(decisionClaim(d))
			if err != nil {
				return r.validateUnauthenticated(err)
			}
			d.Channel = ch
			return r.validateDecision(d)
		}},
	); err != nil {
		return fmt.Errorf("set update handler %s: %w", DecideUpdate, err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, SkipBakeUpdate,
		func(ctx workflow.Context, s SkipBake) error {
			ch, err := r.authenticate(skipBakeClaim(s))
			if err != nil {
				r.recordForgery(ctx, "update", skipBakeClaim(s), err)
				return err
			}
			s.Channel = ch
			r.useNonce(s.Proof)
			r.skipBake = &s
			return nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, s SkipBake) error {
			if err := r.replayed(skipBakeClaim(s)); err != nil {
				return err
			}
			if _, err := r.authenticate(skipBakeClaim(s)); err != nil {
				return r.validateUnauthenticated(err)
			}
			return r.validateSkipBake(s)
		}},
	); err != nil {
		return fmt.Errorf("set update handler %s: %w", SkipBakeUpdate, err)
	}
	return nil
}

// listen handles the promotion's signals: decisions sent as signals (from
// Temporal Web; they count only when signed, like updates), and the
// environment lock's grants and supersessions.
func (r *promotionRun) listen(ctx workflow.Context) {
	decisions := workflow.GetSignalChannel(ctx, DecideUpdate)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var d Decision
			decisions.Receive(ctx, &d)
			if r.signed {
				c := decisionClaim(d)
				ch, err := r.authenticate(c)
				if err != nil {
					r.recordForgery(ctx, "signal", c, err)
					continue
				}
				d.Channel = ch
			} else if d.Channel == "" {
				d.Channel = ChannelTemporalWeb
			}
			if err := r.validateDecision(d); err != nil {
				r.rec.emit(EventDecisionRefused, d.Environment, failureMessage(err))
				r.rec.publish(ctx, r.cur)
				r.rec.syncApprovals(ctx)
				continue
			}
			r.decide(ctx, d)
		}
	})

	lifted := workflow.GetSignalChannel(ctx, contracts.SignalFreezeLifted)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var env string
			lifted.Receive(ctx, &env)
			if r.cur >= 0 && env == r.rec.env(r.cur).Name {
				r.freezeRecheck = true
			}
		}
	})

	grants := workflow.GetSignalChannel(ctx, contracts.SignalLockGranted)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var g contracts.LockGrant
			grants.Receive(ctx, &g)
			if r.cur >= 0 && g.Environment == r.rec.env(r.cur).Name && r.lock.grant == nil && r.lock.superseded == nil && !isFinal(r.rec.env(r.cur).State) {
				r.lock.grant = &g
			}
		}
	})

	supersessions := workflow.GetSignalChannel(ctx, contracts.SignalSuperseded)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s contracts.Superseded
			supersessions.Receive(ctx, &s)
			if r.cur >= 0 && s.Environment == r.rec.env(r.cur).Name && r.lock.grant == nil && !isFinal(r.rec.env(r.cur).State) {
				r.lock.superseded = &s
			}
		}
	})
}

// isFinal reports whether an environment state is a result.
func isFinal(state string) bool {
	switch state {
	case EnvDeployed, EnvRejected, EnvExpired, EnvSuperseded, EnvFailed, EnvRolledBack, EnvSkipped, EnvCancelled:
		return true
	}
	return false
}
