package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Delivery is the outcome of one attempt to send an event to a notification
// sink. Sink names the sink without secrets ("webhook hooks.example.com/x",
// "slack #builds", "status drover/build").
type Delivery struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	Sink       string `json:"sink"`
	Event      string `json:"event"`
	// DeliveryID is the idempotency key of the delivery, the same on every attempt.
	DeliveryID string    `json:"delivery_id,omitempty"`
	Attempt    int       `json:"attempt"`
	OK         bool      `json:"ok"`
	Error      string    `json:"error,omitempty"`
	At         time.Time `json:"at"`
}

// RecordDelivery appends one delivery attempt. A zero At means now.
func (l *Ledger) RecordDelivery(ctx context.Context, d Delivery) error {
	if d.WorkflowID == "" || d.Sink == "" {
		return errors.New("record delivery: workflow id and sink are required")
	}
	if d.At.IsZero() {
		d.At = l.now()
	}
	_, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO deliveries (workflow_id, run_id, sink, event, delivery_id, attempt, ok, error, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		d.WorkflowID, d.RunID, d.Sink, d.Event, d.DeliveryID, d.Attempt, d.OK, d.Error, l.timeArg(d.At))
	if err != nil {
		return fmt.Errorf("record delivery of %s to %s for %s: %w", d.Event, d.Sink, d.WorkflowID, err)
	}
	return nil
}

// ListDeliveries returns the delivery attempts of a workflow's runs, oldest first.
func (l *Ledger) ListDeliveries(ctx context.Context, workflowID string) ([]Delivery, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT workflow_id, run_id, sink, event, delivery_id, attempt, ok, error, at
		FROM deliveries WHERE workflow_id = ? ORDER BY at, attempt`), workflowID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", workflowID, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var at dbTime
		if err := rows.Scan(&d.WorkflowID, &d.RunID, &d.Sink, &d.Event, &d.DeliveryID,
			&d.Attempt, &d.OK, &d.Error, &at); err != nil {
			return nil, fmt.Errorf("list deliveries of %s: %w", workflowID, err)
		}
		d.At = at.Time
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", workflowID, err)
	}
	return out, nil
}
