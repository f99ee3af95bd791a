package workflows

import (
	"fmt"
	"time"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/pipeline"
)

// Names of the promotion and environment workflows and their handlers.
const (
	PromotionWorkflowName   = "Promotion"
	EnvironmentWorkflowName = "Environment"
	// PromotionStateQuery returns the live PromotionState.
	PromotionStateQuery = "state"
	// DecideUpdate approves or rejects a pending approval gate (payload
	// Decision, result DecisionResult). Its validator refuses a decision with
	// the reason. A signal of the same name and payload is accepted too (so an
	// operator can decide from Temporal Web); it is validated the same way and
	// a refused one is recorded as an event, never applied.
	DecideUpdate = "decide"
	// SkipBakeUpdate ends a running bake early (payload SkipBake).
	SkipBakeUpdate = "skip-bake"
	// EnvironmentStateQuery returns the live EnvironmentLockState.
	EnvironmentStateQuery = "state"
)

// Search attributes of promotions (Keyword), besides SearchAttrProject and SearchAttrStatus.
const (
	SearchAttrVersion     = "DroverVersion"
	SearchAttrEnvironment = "DroverEnvironment"
	SearchAttrState       = "DroverState"
)

// PromotionID is the workflow ID of the promotion of a project's version.
func PromotionID(project, version string) string {
	return fmt.Sprintf("promote/%s/%s", project, version)
}

// EnvironmentID is the workflow ID of a project's environment lock.
func EnvironmentID(project, environment string) string {
	return fmt.Sprintf("env/%s/%s", project, environment)
}

// DefaultApprovalTimeout applies to approval gates that set no timeout.
const DefaultApprovalTimeout = 72 * time.Hour

// PromotionInput starts a Promotion.
type PromotionInput struct {
	Project    string `json:"project"`
	Version    string `json:"version"`
	Commit     string `json:"commit,omitempty"`
	Branch     string `json:"branch,omitempty"`
	Repository string `json:"repository,omitempty"`
	// BuildID is the build that produced the version, when Drover built it.
	BuildID string `json:"build_id,omitempty"`
	// TriggeredBy is the identity that triggered the version: with
	// prevent_self_approval it may not approve it.
	TriggeredBy  string                   `json:"triggered_by,omitempty"`
	Environments []pipeline.Environment   `json:"environments"`
	Artifacts    []activities.ArtifactRef `json:"artifacts,omitempty"`
	// Notify holds the project's notification sinks (drover.yaml notify);
	// the worker's global sinks are added to them.
	Notify *pipeline.Notify `json:"notify,omitempty"`
	// DecisionKeys are the public keys of the API that signs decisions: a
	// decision (or bake skip) counts only when one of them signed it (see
	// package decision). Promotions started before signed decisions existed
	// replay without them.
	DecisionKeys []decision.PublicKey `json:"decision_keys,omitempty"`
	// OperatorDecisions turns on the temporal-operator override: an unsigned
	// decision sent straight to Temporal counts, recorded with the channel
	// temporal-operator. Off by default (DROVER_TEMPORAL_OPERATOR_DECISIONS).
	OperatorDecisions bool `json:"operator_decisions,omitempty"`
}

// Decision is an approval or a rejection of one environment's approval gate.
// Actor and Groups come from the authenticated caller, never from a request body.
type Decision struct {
	Environment string   `json:"environment"`
	Approve     bool     `json:"approve"`
	Actor       string   `json:"actor"`
	Groups      []string `json:"groups,omitempty"`
	Comment     string   `json:"comment,omitempty"`
	// Channel is where the decision came from: api, cli, web, slack, or
	// temporal-operator (the override) and temporal-web (before signing).
	Channel string `json:"channel,omitempty"`
	// Proof is the API's signature of the decision; without a valid one the
	// decision does not count.
	Proof *decision.Proof `json:"proof,omitempty"`
}

// DecisionResult is what an accepted decision did.
type DecisionResult struct {
	Environment string `json:"environment"`
	// State is the gate's state after the decision: pending, approved or rejected.
	State     string `json:"state"`
	Approvals int    `json:"approvals"`
	Required  int    `json:"required"`
}

// SkipBake ends an environment's running bake early.
type SkipBake struct {
	Environment string `json:"environment"`
	Actor       string `json:"actor"`
	Reason      string `json:"reason"`
	// Channel and Proof as in Decision.
	Channel string          `json:"channel,omitempty"`
	Proof   *decision.Proof `json:"proof,omitempty"`
}

// Promotion statuses (PromotionState.Status).
const (
	PromotionRunning   = "running"
	PromotionCompleted = "completed" // every environment deployed or skipped
	PromotionStopped   = "stopped"   // an environment ended otherwise (rejected, expired, failed, ...)
	PromotionCancelled = "cancelled"
)

// Environment states while a promotion is in one; the last one is its result.
const (
	EnvPending          = "pending"
	EnvAwaitingSoak     = "awaiting-soak"
	EnvAwaitingWindow   = "awaiting-window"
	EnvAwaitingApproval = "awaiting-approval"
	EnvQueued           = "queued" // waiting for the environment's lock
	EnvDeploying        = "deploying"
	EnvVerifying        = "verifying"
	EnvRollingBack      = "rolling-back"

	EnvDeployed   = "deployed"
	EnvRejected   = "rejected"
	EnvExpired    = "expired"
	EnvSuperseded = "superseded"
	EnvFailed     = "failed"
	EnvRolledBack = "rolled_back"
	EnvSkipped    = "skipped"
	EnvCancelled  = "cancelled"
)

// Gate and step states.
const (
	GateWaiting   = "waiting" // not reached yet
	GatePending   = "pending"
	GateApproved  = "approved"
	GateRejected  = "rejected"
	GateExpired   = "expired"
	GatePassed    = "passed"
	GateWithdrawn = "withdrawn"

	StepRunning   = "running"
	StepSucceeded = "succeeded"
	StepFailed    = "failed"
	StepSkipped   = "skipped" // e.g. a bake ended early
)

// Promotion event types.
const (
	EventArtifactAvailable     = "ARTIFACT_AVAILABLE"
	EventApprovalRequested     = "APPROVAL_REQUESTED"
	EventApproved              = "APPROVED"
	EventRejected              = "REJECTED"
	EventDecisionRefused       = "DECISION_REFUSED"
	EventDeployStarted         = "DEPLOY_STARTED"
	EventDeployCompleted       = "DEPLOY_COMPLETED"
	EventDeployFailed          = "DEPLOY_FAILED"
	EventVerificationCompleted = "VERIFICATION_COMPLETED"
	EventVerificationFailed    = "VERIFICATION_FAILED"
	EventBakeSkipped           = "BAKE_SKIPPED"
	EventRolledBack            = "ROLLED_BACK"
	EventSuperseded            = "SUPERSEDED"
	EventPromotionComplete     = "PROMOTION_COMPLETE"
)

// PromotionState is the live state of a promotion (PromotionStateQuery) and its result.
type PromotionState struct {
	ID          string `json:"id"`
	RunID       string `json:"run_id"`
	Project     string `json:"project"`
	Version     string `json:"version"`
	Commit      string `json:"commit,omitempty"`
	Branch      string `json:"branch,omitempty"`
	BuildID     string `json:"build_id,omitempty"`
	TriggeredBy string `json:"triggered_by,omitempty"`
	Status      string `json:"status"`
	// Current is the environment the promotion is in, while it runs.
	Current      string             `json:"current,omitempty"`
	StartedAt    time.Time          `json:"started_at"`
	FinishedAt   *time.Time         `json:"finished_at,omitempty"`
	Environments []EnvironmentState `json:"environments"`
	Events       []Event            `json:"events"`
}

// EnvironmentState is one environment of a promotion.
type EnvironmentState struct {
	Name       string      `json:"name"`
	State      string      `json:"state"`
	StartedAt  *time.Time  `json:"started_at,omitempty"`
	FinishedAt *time.Time  `json:"finished_at,omitempty"`
	Gates      []GateState `json:"gates,omitempty"`
	Deploy     *StepState  `json:"deploy,omitempty"`
	Verify     []StepState `json:"verify,omitempty"`
	// Rollback is set when a failed verification redeployed the previous version.
	Rollback *StepState `json:"rollback,omitempty"`
	Detail   string     `json:"detail,omitempty"`
	// Rules says where each protection rule of the environment came from
	// (the registration or drover.yaml), as the API applied them.
	Rules []pipeline.RuleSource `json:"rules,omitempty"`
}

// GateState is one gate before a deploy: approval, window or soak.
type GateState struct {
	Kind         string     `json:"kind"`
	State        string     `json:"state"`
	WaitingSince *time.Time `json:"waiting_since,omitempty"`
	// Deadline is when an approval expires, a window opens or a soak ends.
	Deadline  *time.Time     `json:"deadline,omitempty"`
	Approvers []string       `json:"approvers,omitempty"`
	Required  int            `json:"required,omitempty"`
	Decisions []DecisionInfo `json:"decisions,omitempty"`
	Detail    string         `json:"detail,omitempty"`
}

// DecisionInfo is a recorded decision.
type DecisionInfo struct {
	Actor   string    `json:"actor"`
	Approve bool      `json:"approve"`
	Comment string    `json:"comment,omitempty"`
	Channel string    `json:"channel,omitempty"`
	At      time.Time `json:"at"`
	// RequestID is the signed decision's nonce (the API request id).
	RequestID string `json:"request_id,omitempty"`
	// KeyID names the key that signed the decision; empty for a decision
	// taken before signing, or through the temporal-operator override.
	KeyID string `json:"key_id,omitempty"`
}

// StepState is a deploy, a verification or a rollback.
type StepState struct {
	Kind       string            `json:"kind"`
	State      string            `json:"state"`
	StartedAt  *time.Time        `json:"started_at,omitempty"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
	Deadline   *time.Time        `json:"deadline,omitempty"` // a bake's end
	Detail     string            `json:"detail,omitempty"`
	Error      string            `json:"error,omitempty"`
	Outputs    map[string]string `json:"outputs,omitempty"`
}
