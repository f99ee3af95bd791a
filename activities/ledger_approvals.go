package activities

import (
	"context"
	"fmt"

	"github.com/drover-ci/drover/ledger"
)

// PutPendingApproval records an approval gate that waits for decisions, as it
// starts and after each approval; a retry replaces the row with the same.
func (a *LedgerActivities) PutPendingApproval(ctx context.Context, p ledger.PendingApproval) error {
	if err := a.Ledger.PutPendingApproval(ctx, p); err != nil {
		return a.failed(ctx, fmt.Errorf("put pending approval of %s/%s: %w", p.PromotionID, p.Environment, err))
	}
	return nil
}

// DeletePendingApproval removes an approval gate that ended (approved,
// rejected, expired, cancelled or superseded); deleting it twice is no error.
func (a *LedgerActivities) DeletePendingApproval(ctx context.Context, in DeletePendingApprovalInput) error {
	if err := a.Ledger.DeletePendingApproval(ctx, in.PromotionID, in.Environment); err != nil {
		return a.failed(ctx, fmt.Errorf("delete pending approval of %s/%s: %w", in.PromotionID, in.Environment, err))
	}
	return nil
}
