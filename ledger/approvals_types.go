package ledger

import "time"

// PendingApproval is an approval gate of a promotion that waits for
// decisions, keyed by (PromotionID, Environment). The promotion workflow puts
// it when the gate starts and after each approval, and deletes it when the
// gate ends, so that the approvals list needs one query of the ledger.
type PendingApproval struct {
	PromotionID string `json:"promotion_id"`
	RunID       string `json:"run_id"`
	Project     string `json:"project"`
	Version     string `json:"version"`
	Commit      string `json:"commit,omitempty"`
	Branch      string `json:"branch,omitempty"`
	TriggeredBy string `json:"triggered_by,omitempty"`
	Environment string `json:"environment"`
	// Approvers are the gate's approvers as written: names and "group:<name>".
	Approvers []string `json:"approvers"`
	Required  int      `json:"required"`
	// ApprovedBy are the approvers who approved so far, in order.
	ApprovedBy   []string  `json:"approved_by,omitempty"`
	WaitingSince time.Time `json:"waiting_since"`
	Deadline     time.Time `json:"deadline"`
	// Earlier are the results of the environments before this one.
	Earlier []EnvironmentResult `json:"earlier,omitempty"`
	// UpdatedAt is when the row was last written; zero on the way in means now.
	UpdatedAt time.Time `json:"updated_at"`
}

// EnvironmentResult is where a promotion stands in one environment.
type EnvironmentResult struct {
	Environment string `json:"environment"`
	State       string `json:"state"`
}
