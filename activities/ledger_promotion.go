package activities

import (
	"context"
	"fmt"

	"github.com/drover-ci/drover/ledger"
)

// RecordPromotion records a promotion run as started or finished; a finished
// one is never reopened by a late start record.
func (a *LedgerActivities) RecordPromotion(ctx context.Context, p ledger.Promotion) error {
	if err := a.Ledger.RecordPromotion(ctx, p); err != nil {
		return a.failed(ctx, fmt.Errorf("record promotion %s status %s: %w", p.ID, p.Status, err))
	}
	return nil
}

// RecordDeployment records a deployment (or rollback redeploy) to an
// environment as it starts (result deploying) and as it ends.
func (a *LedgerActivities) RecordDeployment(ctx context.Context, d ledger.Deployment) error {
	if err := a.Ledger.RecordDeployment(ctx, d); err != nil {
		return a.failed(ctx, fmt.Errorf("record deployment of %s to %s result %s: %w", d.PromotionID, d.Environment, d.Result, err))
	}
	return nil
}

// RecordDecision records an approval or rejection of an environment's gate.
func (a *LedgerActivities) RecordDecision(ctx context.Context, d ledger.Decision) error {
	if err := a.Ledger.RecordDecision(ctx, d); err != nil {
		return a.failed(ctx, fmt.Errorf("record decision of %s on %s/%s: %w", d.Actor, d.PromotionID, d.Environment, err))
	}
	return nil
}
