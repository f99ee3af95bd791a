package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Audit outcomes.
const (
	AuditRefused = "refused" // the attempt was refused
	AuditAllowed = "allowed" // an audited admin action that was carried out
)

// AuditEntry is one audited attempt: who tried what on which project, through
// which channel, and what came of it. Actor is the name as claimed, even when
// the claim was forged.
type AuditEntry struct {
	// Key is an idempotency key: a second RecordAudit with the same non-empty
	// Key changes nothing. Empty means every record is a new entry.
	Key     string    `json:"key,omitempty"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"` // approve, reject, skip-bake, cancel, build, promote, secret.set ...
	Project string    `json:"project"`
	Target  string    `json:"target,omitempty"`  // run id, environment, secret name ...
	Channel string    `json:"channel,omitempty"` // api, cli, web, slack, temporal
	Outcome string    `json:"outcome"`           // AuditRefused or AuditAllowed
	Reason  string    `json:"reason,omitempty"`
}

// AuditQuery selects audit entries: those of Project (every project when
// empty), newest first, at most Limit (100 when zero or negative, 1000 at most).
type AuditQuery struct {
	Project string
	Limit   int
}

// RecordAudit appends e to the audit log; a zero At means now and an empty
// Outcome means AuditRefused. It is idempotent for a non-empty Key.
func (l *Ledger) RecordAudit(ctx context.Context, e AuditEntry) error {
	if e.Action == "" {
		return errors.New("record audit: action is empty")
	}
	if e.At.IsZero() {
		e.At = l.now()
	}
	if e.Outcome == "" {
		e.Outcome = AuditRefused
	}
	query := `INSERT INTO audit (key, at, actor, action, project, target, channel, outcome, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if e.Key != "" {
		query += ` ON CONFLICT (key) WHERE key <> '' DO NOTHING`
	}
	_, err := l.db.ExecContext(ctx, l.rebind(query),
		e.Key, l.timeArg(e.At), e.Actor, e.Action, e.Project, e.Target, e.Channel, e.Outcome, e.Reason)
	if err != nil {
		return fmt.Errorf("record audit %s by %q on %q: %w", e.Action, e.Actor, e.Project, err)
	}
	return nil
}

// ListAudit returns the audit entries selected by q, newest first.
func (l *Ledger) ListAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	query := `SELECT key, at, actor, action, project, target, channel, outcome, reason FROM audit`
	args := []any{}
	if q.Project != "" {
		query += ` WHERE project = ?`
		args = append(args, q.Project)
	}
	query += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit)
	rows, err := l.db.QueryContext(ctx, l.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list audit of %q: %w", q.Project, err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at dbTime
		if err := rows.Scan(&e.Key, &at, &e.Actor, &e.Action, &e.Project, &e.Target, &e.Channel,
			&e.Outcome, &e.Reason); err != nil {
			return nil, fmt.Errorf("list audit of %q: %w", q.Project, err)
		}
		e.At = at.Time
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit of %q: %w", q.Project, err)
	}
	return out, nil
}
