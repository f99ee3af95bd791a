package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/activities"
)

// registerHandlers sets the promotion's query and update handlers.
func (r *promotionRun) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, PromotionStateQuery, func() (PromotionState, error) {
		return r.state, nil
	}); err != nil {
		return fmt.Errorf("set query handler: %w", err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, DecideUpdate,
		func(ctx workflow.Context, d Decision) (DecisionResult, error) {
			return r.decide(ctx, d), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, d Decision) error {
			return r.validateDecision(d)
		}},
	); err != nil {
		return fmt.Errorf("set update handler %s: %w", DecideUpdate, err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, SkipBakeUpdate,
		func(ctx workflow.Context, s SkipBake) error {
			r.skipBake = &s
			return nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, s SkipBake) error {
			return r.validateSkipBake(s)
		}},
	); err != nil {
		return fmt.Errorf("set update handler %s: %w", SkipBakeUpdate, err)
	}
	return nil
}

// listen handles the promotion's signals: decisions sent as signals (from
// Temporal Web), and the environment lock's grants and supersessions.
func (r *promotionRun) listen(ctx workflow.Context) {
	decisions := workflow.GetSignalChannel(ctx, DecideUpdate)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var d Decision
			decisions.Receive(ctx, &d)
			if d.Channel == "" {
				d.Channel = ChannelTemporalWeb
			}
			if err := r.validateDecision(d); err != nil {
				r.emit(EventDecisionRefused, d.Environment, failureMessage(err))
				r.publish(ctx)
				continue
			}
			r.decide(ctx, d)
		}
	})

	grants := workflow.GetSignalChannel(ctx, activities.SignalLockGranted)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var g activities.LockGrant
			grants.Receive(ctx, &g)
			if r.cur >= 0 && g.Environment == r.env(r.cur).Name && r.grant == nil && r.superseded == nil && !isFinal(r.env(r.cur).State) {
				r.grant = &g
			}
		}
	})

	supersessions := workflow.GetSignalChannel(ctx, activities.SignalSuperseded)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s activities.Superseded
			supersessions.Receive(ctx, &s)
			if r.cur >= 0 && s.Environment == r.env(r.cur).Name && r.grant == nil && !isFinal(r.env(r.cur).State) {
				r.superseded = &s
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
