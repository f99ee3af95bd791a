package ledger

import (
	"context"
	"errors"
	"fmt"
)

// validate checks the fields every decision record needs.
func (d Decision) validate() error {
	switch {
	case d.PromotionID == "":
		return errors.New("decision promotion id is empty")
	case d.RunID == "":
		return errors.New("decision run id is empty")
	case d.Environment == "":
		return errors.New("decision environment is empty")
	case d.Actor == "":
		return errors.New("decision actor is empty")
	}
	return nil
}

// RecordDecision records an approval or rejection keyed by (PromotionID, RunID,
// Environment, Actor); a zero At means now. It is idempotent: when the actor's
// decision on that gate is already recorded it changes nothing, since an actor
// decides a gate once.
func (l *Ledger) RecordDecision(ctx context.Context, d Decision) error {
	if err := d.validate(); err != nil {
		return fmt.Errorf("record decision: %w", err)
	}
	if d.At.IsZero() {
		d.At = l.now()
	}
	_, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO decisions (promotion_id, run_id, environment, actor, project, version,
			approve, channel, comment, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (promotion_id, run_id, environment, actor) DO NOTHING`),
		d.PromotionID, d.RunID, d.Environment, d.Actor, d.Project, d.Version,
		d.Approve, d.Channel, d.Comment, l.timeArg(d.At))
	if err != nil {
		return fmt.Errorf("record decision of %s on %s/%s run %s: %w",
			d.Actor, d.PromotionID, d.Environment, d.RunID, err)
	}
	return nil
}

// ListDecisions returns the decisions on every run of a promotion, oldest first
// (then by environment and actor).
func (l *Ledger) ListDecisions(ctx context.Context, promotionID string) ([]Decision, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT promotion_id, run_id, project, version, environment, actor, approve, channel,
			comment, decided_at
		FROM decisions WHERE promotion_id = ?
		ORDER BY decided_at, environment, actor, run_id`), promotionID)
	if err != nil {
		return nil, fmt.Errorf("list decisions of %s: %w", promotionID, err)
	}
	defer rows.Close()
	var out []Decision
	for rows.Next() {
		var d Decision
		var at dbTime
		err := rows.Scan(&d.PromotionID, &d.RunID, &d.Project, &d.Version, &d.Environment, &d.Actor,
			&d.Approve, &d.Channel, &d.Comment, &at)
		if err != nil {
			return nil, fmt.Errorf("list decisions of %s: %w", promotionID, err)
		}
		d.At = at.Time
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list decisions of %s: %w", promotionID, err)
	}
	return out, nil
}
