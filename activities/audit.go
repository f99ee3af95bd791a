package activities

import (
	"context"
	"fmt"

	"github.com/drover-ci/drover/ledger"
)

// AuditRecorder is the part of the ledger that keeps the audit of refused
// attempts; *ledger.Ledger implements it.
type AuditRecorder interface {
	RecordAudit(ctx context.Context, e ledger.AuditEntry) error
}

// AuditActivities record, from workflows, the attempts they refused: a
// decision sent straight to Temporal without a valid signature of the API.
// RecordAudit runs as a local activity and is idempotent by the entry's Key.
type AuditActivities struct {
	Ledger AuditRecorder
}

// RecordAudit records e in the ledger's audit.
func (a *AuditActivities) RecordAudit(ctx context.Context, e ledger.AuditEntry) error {
	if err := a.Ledger.RecordAudit(ctx, e); err != nil {
		return fmt.Errorf("record audit %s on %s: %w", e.Action, e.Target, err)
	}
	return nil
}
