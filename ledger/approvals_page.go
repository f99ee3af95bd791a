package ledger

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// MaxApprovalsPage is the most pending approvals one page holds.
const MaxApprovalsPage = 500

// PendingApprovalQuery selects a page of pending approval gates, in the
// order (WaitingSince, PromotionID, Environment): oldest wait first.
type PendingApprovalQuery struct {
	// Projects, when not nil, keeps the gates of these projects only (the
	// projects a caller may read); an empty, non-nil list keeps none.
	Projects []string
	// Project and Environment, when set, keep the gates of that project
	// and environment.
	Project, Environment string
	// Decider, when set, keeps the gates Decider may decide and has not
	// approved yet: whose approvers name Decider.Name or a "group:<name>"
	// of Decider.Groups, and whose approved_by does not hold Decider.Name.
	Decider *Decider
	// After is the cursor of the last gate of the previous page; nil
	// starts at the oldest.
	After *ApprovalCursor
	// Limit is the size of the page: 1 to MaxApprovalsPage (zero means 100).
	Limit int
}

// Decider is who decides approval gates: a user name and the user's groups.
type Decider struct {
	Name   string
	Groups []string
}

// ApprovalCursor is the position of a gate in the order of pages.
type ApprovalCursor struct {
	WaitingSince time.Time `json:"t"`
	PromotionID  string    `json:"p"`
	Environment  string    `json:"e"`
}

// String encodes c as an opaque token for URLs.
func (c ApprovalCursor) String() string {
	c.WaitingSince = normTime(c.WaitingSince)
	b, _ := json.Marshal(c) // a struct of strings and a time: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseApprovalCursor decodes a token made by ApprovalCursor.String.
func ParseApprovalCursor(token string) (ApprovalCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return ApprovalCursor{}, fmt.Errorf("approvals cursor %q is not a cursor this server made", token)
	}
	var c ApprovalCursor
	if err := json.Unmarshal(b, &c); err != nil || c.PromotionID == "" || c.Environment == "" || c.WaitingSince.IsZero() {
		return ApprovalCursor{}, fmt.Errorf("approvals cursor %q is not a cursor this server made", token)
	}
	c.WaitingSince = normTime(c.WaitingSince)
	return c, nil
}

// PendingApprovalPage is one page of pending approval gates.
type PendingApprovalPage struct {
	Approvals []PendingApproval
	// Total is how many gates the query's filters keep, over all pages.
	Total int
	// Next is the cursor of the page after this one; nil on the last page.
	Next *ApprovalCursor
}

// PendingApprovalsPage returns one page of the pending approval gates q
// selects, and how many it selects in all, with two queries that read the
// page's rows and count (through the indexes on the order and on project)
// without loading the others.
func (l *Ledger) PendingApprovalsPage(ctx context.Context, q PendingApprovalQuery) (PendingApprovalPage, error) {
	page := PendingApprovalPage{Approvals: []PendingApproval{}}
	limit := q.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > MaxApprovalsPage:
		return page, fmt.Errorf("list pending approvals: limit %d is not between 1 and %d", limit, MaxApprovalsPage)
	}
	if (q.Projects != nil && len(q.Projects) == 0) || (q.Decider != nil && q.Decider.Name == "") {
		return page, nil // no readable project, or an anonymous decider: nothing to read
	}
	where, args, err := l.approvalsWhere(q)
	if err != nil {
		return page, fmt.Errorf("list pending approvals: %w", err)
	}
	err = l.db.QueryRowContext(ctx, l.rebind(`SELECT COUNT(*) FROM pending_approvals p`+where), args...).Scan(&page.Total)
	if err != nil {
		return page, fmt.Errorf("count pending approvals: %w", err)
	}
	if q.After != nil {
		where += andOrWhere(where) + `(p.waiting_since, p.promotion_id, p.environment) > (?, ?, ?)`
		args = append(args, l.timeArg(q.After.WaitingSince), q.After.PromotionID, q.After.Environment)
	}
	args = append(args, limit+1)
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT `+pendingApprovalColumns+`
		FROM pending_approvals p`+where+`
		ORDER BY p.waiting_since, p.promotion_id, p.environment LIMIT ?`), args...)
	if err != nil {
		return page, fmt.Errorf("list pending approvals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPendingApproval(rows)
		if err != nil {
			return page, fmt.Errorf("list pending approvals: %w", err)
		}
		page.Approvals = append(page.Approvals, p)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("list pending approvals: %w", err)
	}
	if len(page.Approvals) > limit {
		page.Approvals = page.Approvals[:limit]
		last := page.Approvals[limit-1]
		page.Next = &ApprovalCursor{WaitingSince: last.WaitingSince, PromotionID: last.PromotionID, Environment: last.Environment}
	}
	return page, nil
}

// approvalsWhere is the WHERE clause (with its arguments) of q's filters,
// empty when there are none. Lists go in as one JSON argument each, read
// back by the dialect's JSON table function, so that the query's text does
// not grow with them.
func (l *Ledger) approvalsWhere(q PendingApprovalQuery) (string, []any, error) {
	var conds []string
	var args []any
	if q.Projects != nil {
		list, err := json.Marshal(q.Projects)
		if err != nil {
			return "", nil, fmt.Errorf("encode projects: %w", err)
		}
		// SQLite, without statistics, would read every row of the listed
		// projects through the project index and sort them; the unary +
		// keeps it on the order index, which it leaves after a page.
		column := `p.project`
		if l.dialect == DialectSQLite {
			column = `+p.project`
		}
		conds = append(conds, column+` IN (SELECT j.value FROM `+l.jsonValues("?", "j")+`)`)
		args = append(args, string(list))
	}
	if q.Project != "" {
		conds, args = append(conds, `p.project = ?`), append(args, q.Project)
	}
	if q.Environment != "" {
		conds, args = append(conds, `p.environment = ?`), append(args, q.Environment)
	}
	if d := q.Decider; d != nil { // named: ListPendingApprovalsPage answers an anonymous one itself
		names := []string{d.Name}
		for _, g := range d.Groups {
			names = append(names, "group:"+g)
		}
		list, err := json.Marshal(names)
		if err != nil {
			return "", nil, fmt.Errorf("encode approvers: %w", err)
		}
		conds = append(conds,
			`EXISTS (SELECT 1 FROM `+l.jsonValues("p.approvers", "a")+` WHERE a.value IN (SELECT j.value FROM `+l.jsonValues("?", "j")+`))`,
			`NOT EXISTS (SELECT 1 FROM `+l.jsonValues("p.approved_by", "b")+` WHERE b.value = ?)`)
		args = append(args, string(list), d.Name)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return ` WHERE ` + strings.Join(conds, ` AND `), args, nil
}

// jsonValues is a table expression, named alias, of the strings of the
// JSON array expr, in a column named value.
func (l *Ledger) jsonValues(expr, alias string) string {
	if l.dialect == DialectPostgres {
		return `jsonb_array_elements_text(CAST(CAST(` + expr + ` AS text) AS jsonb)) AS ` + alias + `(value)`
	}
	return `json_each(` + expr + `) AS ` + alias
}

func andOrWhere(where string) string {
	if where == "" {
		return ` WHERE `
	}
	return ` AND `
}
