package rest

import (
	"time"

	"github.com/drover-ci/drover/contracts"
)

// CreatePromotionRequest is the body of POST /api/v1/promotions: promote a
// registered version by hand. The environments come from Definition when
// given, else from drover.yaml at the version's commit in Repository (by
// default the repository of the build that made the version, or of the project).
type CreatePromotionRequest struct {
	Project    string `json:"project"`
	Version    string `json:"version"`
	Repository string `json:"repository,omitempty"`
	Definition string `json:"definition,omitempty"`
	// Environment, when set, deploys the version to that environment only
	// (a redeploy), through its registered gates.
	Environment string `json:"environment,omitempty"`
	// Pipeline, when set, promotes along that named pipeline of the
	// definition (promotion.pipelines) only: its environments, in order.
	Pipeline string `json:"pipeline,omitempty"`
	// Rollback is the explicit consent to deploy a version older than the
	// one an environment runs; the run is recorded as a rollback.
	Rollback bool `json:"rollback,omitempty"`
	// Reason says why (required for a rollback).
	Reason string `json:"reason,omitempty"`
	// RequestID names a redeploy or rollback run: the same id again finds
	// the run it started. Also the Idempotency-Key header; made up when absent.
	RequestID string `json:"request_id,omitempty"`
}

// RollbackRequest is the body of POST
// /api/v1/environments/{project}/{environment}/rollback.
type RollbackRequest struct {
	// To is the version to roll back to; empty means the last version
	// deployed there before the current one.
	To        string `json:"to,omitempty"`
	Reason    string `json:"reason"`
	RequestID string `json:"request_id,omitempty"`
}

// PromotionStartedResponse answers a request that starts a promotion.
type PromotionStartedResponse struct {
	ID       string `json:"id"`
	RunID    string `json:"run_id"`
	URL      string `json:"url"`
	Existing bool   `json:"existing"`
	// Missing, in an answer of POST /api/v1/artifacts that started
	// nothing, names the artifacts the version still lacks before it is
	// promoted (ID, RunID and URL are then empty); Message says so.
	Missing []string `json:"missing,omitempty"`
	Message string   `json:"message,omitempty"`
}

// PromotionSummary is one promotion in a list.
type PromotionSummary struct {
	ID          string     `json:"id"`
	RunID       string     `json:"run_id"`
	URL         string     `json:"url"`
	Project     string     `json:"project"`
	Version     string     `json:"version"`
	Commit      string     `json:"commit,omitempty"`
	Branch      string     `json:"branch,omitempty"`
	BuildID     string     `json:"build_id,omitempty"`
	TriggeredBy string     `json:"triggered_by,omitempty"`
	Status      string     `json:"status"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

// ListPromotionsResponse answers GET /api/v1/promotions; NextOffset is null on the last page.
type ListPromotionsResponse struct {
	Promotions []PromotionSummary `json:"promotions"`
	NextOffset *int               `json:"next_offset"`
}

// DecideRequest is the body of POST /api/v1/promotions/{id}/approve and
// /reject; they answer a contracts.DecisionResult.
type DecideRequest struct {
	Environment string `json:"environment"`
	Comment     string `json:"comment"`
	// RequestID identifies the decision (also accepted as the
	// Idempotency-Key header; the API makes one when both are absent): it is
	// the Temporal Update ID, so a retry with the same id gets the first
	// attempt's outcome.
	RequestID string `json:"request_id,omitempty"`
}

// SkipBakeRequest is the body of POST /api/v1/promotions/{id}/skip-bake.
type SkipBakeRequest struct {
	Environment string `json:"environment"`
	Reason      string `json:"reason"`
	// RequestID as in DecideRequest.
	RequestID string `json:"request_id,omitempty"`
}

// PromotionActionResponse answers skip-bake and cancel.
type PromotionActionResponse struct {
	ID          string `json:"id"`
	Environment string `json:"environment,omitempty"`
	Status      string `json:"status"`
}

// Approval is an approval gate that waits for the caller.
type Approval struct {
	PromotionID  string     `json:"promotion_id"`
	URL          string     `json:"url"`
	Project      string     `json:"project"`
	Version      string     `json:"version"`
	Commit       string     `json:"commit,omitempty"`
	Branch       string     `json:"branch,omitempty"`
	TriggeredBy  string     `json:"triggered_by,omitempty"`
	Environment  string     `json:"environment"`
	WaitingSince *time.Time `json:"waiting_since,omitempty"`
	Deadline     *time.Time `json:"deadline,omitempty"`
	Approvals    int        `json:"approvals"`
	Required     int        `json:"required"`
	Approvers    []string   `json:"approvers"`
	// Earlier are the results of the environments before this one.
	Earlier []contracts.EnvironmentResult `json:"earlier"`
}

// ApprovalsResponse answers GET /api/v1/approvals: a page of approval
// gates, oldest wait first.
type ApprovalsResponse struct {
	Approvals []Approval `json:"approvals"`
	// Total is how many gates the request's filters select, over all pages.
	Total int `json:"total"`
	// Next, when there are more, is the ?after= of the next page.
	Next string `json:"next,omitempty"`
}
