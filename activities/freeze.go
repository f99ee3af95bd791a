package activities

import (
	"context"
	"fmt"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// FreezeReader reads environment freezes; *ledger.Ledger implements it.
type FreezeReader interface {
	// GetFreeze returns the freeze in force of an environment; ok is false
	// when there is none.
	GetFreeze(ctx context.Context, project, environment string) (ledger.Freeze, bool, error)
}

// CheckFreeze tells a promotion whether the environment it is about to
// deploy to is frozen. Errors (the ledger unreachable) are retryable.
func (a *PromotionActivities) CheckFreeze(ctx context.Context, in contracts.FreezeCheckInput) (contracts.FreezeStatus, error) {
	if a.Freezes == nil {
		return contracts.FreezeStatus{}, nil
	}
	f, ok, err := a.Freezes.GetFreeze(ctx, in.Project, in.Environment)
	if err != nil {
		return contracts.FreezeStatus{}, fmt.Errorf("freeze of %s/%s: %w", in.Project, in.Environment, err)
	}
	if !ok {
		return contracts.FreezeStatus{}, nil
	}
	return contracts.FreezeStatus{Frozen: true, Reason: f.Reason, By: f.By, Until: f.Until}, nil
}
