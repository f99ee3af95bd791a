package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// validate checks the fields every pending approval needs.
func (p PendingApproval) validate() error {
	switch {
	case p.PromotionID == "":
		return errors.New("pending approval promotion id is empty")
	case p.RunID == "":
		return errors.New("pending approval run id is empty")
	case p.Environment == "":
		return errors.New("pending approval environment is empty")
	}
	return nil
}

// PutPendingApproval inserts or replaces the pending approval gate of
// (p.PromotionID, p.Environment); a zero UpdatedAt means now.
func (l *Ledger) PutPendingApproval(ctx context.Context, p PendingApproval) error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("put pending approval: %w", err)
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = l.now()
	}
	approvers, err1 := encodeList(p.Approvers)
	approvedBy, err2 := encodeList(p.ApprovedBy)
	earlier, err3 := encodeList(p.Earlier)
	if err := errors.Join(err1, err2, err3); err != nil {
		return fmt.Errorf("put pending approval %s/%s: %w", p.PromotionID, p.Environment, err)
	}
	_, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO pending_approvals (`+pendingApprovalColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (promotion_id, environment) DO UPDATE SET
			run_id = excluded.run_id, project = excluded.project, version = excluded.version,
			commit_sha = excluded.commit_sha, branch = excluded.branch, triggered_by = excluded.triggered_by,
			approvers = excluded.approvers, required = excluded.required, approved_by = excluded.approved_by,
			waiting_since = excluded.waiting_since, deadline = excluded.deadline, earlier = excluded.earlier,
			updated_at = excluded.updated_at`),
		p.PromotionID, p.Environment, p.RunID, p.Project, p.Version, p.Commit,
		p.Branch, p.TriggeredBy, approvers, p.Required, approvedBy, l.timeArg(p.WaitingSince), l.timeArg(p.Deadline),
		earlier, l.timeArg(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put pending approval %s/%s: %w", p.PromotionID, p.Environment, err)
	}
	return nil
}

// DeletePendingApproval removes the pending approval gate of (promotionID,
// environment). It is idempotent: deleting a gate that is not there is no error.
func (l *Ledger) DeletePendingApproval(ctx context.Context, promotionID, environment string) error {
	_, err := l.db.ExecContext(ctx, l.rebind(`
		DELETE FROM pending_approvals WHERE promotion_id = ? AND environment = ?`), promotionID, environment)
	if err != nil {
		return fmt.Errorf("delete pending approval %s/%s: %w", promotionID, environment, err)
	}
	return nil
}

// ListPendingApprovals returns every pending approval gate, oldest wait first
// (then by promotion and environment).
func (l *Ledger) ListPendingApprovals(ctx context.Context) ([]PendingApproval, error) {
	rows, err := l.db.QueryContext(ctx, `
		SELECT `+pendingApprovalColumns+`
		FROM pending_approvals ORDER BY waiting_since, promotion_id, environment`)
	if err != nil {
		return nil, fmt.Errorf("list pending approvals: %w", err)
	}
	defer rows.Close()
	out := []PendingApproval{}
	for rows.Next() {
		p, err := scanPendingApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("list pending approvals: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pending approvals: %w", err)
	}
	return out, nil
}

// PendingApprovalsOf returns the pending approval gates of project's
// versions, oldest wait first (then by promotion and environment): what a
// page showing those versions needs, without reading every gate.
func (l *Ledger) PendingApprovalsOf(ctx context.Context, project string, versions []string) ([]PendingApproval, error) {
	out := []PendingApproval{}
	if len(versions) == 0 {
		return out, nil
	}
	args := []any{project}
	for _, v := range versions {
		args = append(args, v)
	}
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT `+pendingApprovalColumns+`
		FROM pending_approvals WHERE project = ? AND version IN (`+placeholders(len(versions))+`)
		ORDER BY waiting_since, promotion_id, environment`), args...)
	if err != nil {
		return nil, fmt.Errorf("pending approvals of %s: %w", project, err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPendingApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("pending approvals of %s: %w", project, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending approvals of %s: %w", project, err)
	}
	return out, nil
}

// WaitingCount is how many approval gates of one project's environment wait
// for a decision.
type WaitingCount struct {
	Project, Environment string
	Waiting              int
}

// CountPendingApprovals counts the pending approval gates by project and
// environment, ordered by both, without reading the gates themselves: a
// metrics scrape asks it, and reading every gate to count them cost one row
// decoded per gate at every scrape.
func (l *Ledger) CountPendingApprovals(ctx context.Context) ([]WaitingCount, error) {
	rows, err := l.db.QueryContext(ctx, `
		SELECT project, environment, COUNT(*) FROM pending_approvals
		GROUP BY project, environment ORDER BY project, environment`)
	if err != nil {
		return nil, fmt.Errorf("count pending approvals: %w", err)
	}
	defer rows.Close()
	out := []WaitingCount{}
	for rows.Next() {
		var c WaitingCount
		if err := rows.Scan(&c.Project, &c.Environment, &c.Waiting); err != nil {
			return nil, fmt.Errorf("count pending approvals: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count pending approvals: %w", err)
	}
	return out, nil
}

// pendingApprovalColumns are the columns of pending_approvals, in the
// order of scanPendingApproval (and of PutPendingApproval's arguments).
const pendingApprovalColumns = `promotion_id, environment, run_id, project, version, commit_sha, branch,
	triggered_by, approvers, required, approved_by, waiting_since, deadline, earlier, updated_at`

func scanPendingApproval(row rowScanner) (PendingApproval, error) {
	var p PendingApproval
	var approvers, approvedBy, earlier string
	var since, deadline, updated dbTime
	err := row.Scan(&p.PromotionID, &p.Environment, &p.RunID, &p.Project, &p.Version, &p.Commit, &p.Branch,
		&p.TriggeredBy, &approvers, &p.Required, &approvedBy, &since, &deadline, &earlier, &updated)
	if err != nil {
		return PendingApproval{}, err
	}
	p.WaitingSince, p.Deadline, p.UpdatedAt = since.Time, deadline.Time, updated.Time
	for _, c := range []struct {
		name, text string
		dst        any
	}{{"approvers", approvers, &p.Approvers}, {"approved_by", approvedBy, &p.ApprovedBy}, {"earlier", earlier, &p.Earlier}} {
		if c.text == "" || c.text == "[]" {
			continue // an empty list reads back nil
		}
		if err := json.Unmarshal([]byte(c.text), c.dst); err != nil {
			return PendingApproval{}, fmt.Errorf("decode %s of %s/%s: %w", c.name, p.PromotionID, p.Environment, err)
		}
	}
	return p, nil
}

// encodeList is the JSON text stored for a list: "[]" when it is empty.
func encodeList[T any](list []T) (string, error) {
	if len(list) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}
