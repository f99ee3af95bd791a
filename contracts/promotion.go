package contracts

import (
	"time"

	"github.com/drover-ci/drover/pipeline"
)

// PromotionStatus is the status of a promotion (PromotionState.Status).
type PromotionStatus string

// Promotion statuses.
const (
	PromotionRunning   PromotionStatus = "running"
	PromotionCompleted PromotionStatus = "completed" // every environment deployed or skipped
	PromotionStopped   PromotionStatus = "stopped"   // an environment ended otherwise (rejected, expired, failed, ...)
	PromotionCancelled PromotionStatus = "cancelled"
)

// Environment states while a promotion is in one; the last one is its result.
const (
	EnvPending          = "pending"
	EnvAwaitingSoak     = "awaiting-soak"
	EnvAwaitingWindow   = "awaiting-window"
	EnvAwaitingApproval = "awaiting-approval"
	EnvQueued           = "queued" // waiting for the environment's lock
	EnvFrozen           = "frozen" // waiting for the environment's freeze to lift
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

// Gate kinds (GateState.Kind) and the kinds of the steps that are not checks
// (StepState.Kind; checks use their pipeline.Verify kind).
const (
	GateSoak     = "soak"
	GateWindow   = "window"
	GateApproval = "approval"
	StepDeploy   = "deploy"
	StepRollback = "rollback"
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
	EventFrozen                = "FROZEN"        // a promotion waits at a frozen environment
	EventFreezeLifted          = "FREEZE_LIFTED" // and goes on
	EventPromotionComplete     = "PROMOTION_COMPLETE"
)

// Channels of decisions that did not come through Drover's API.
const (
	// ChannelTemporalWeb is the channel of a decision signalled without one
	// (promotions started before decisions were signed).
	ChannelTemporalWeb = "temporal-web"
	// ChannelTemporalOperator is the channel of an unsigned decision counted
	// through the temporal-operator override (PromotionInput.OperatorDecisions).
	ChannelTemporalOperator = "temporal-operator"
	// AuditChannelTemporal is the audit channel of decisions refused by the
	// workflow: they came straight to Temporal.
	AuditChannelTemporal = "temporal"
)

// DecisionResult is what an accepted decision did: the result of DecideUpdate.
type DecisionResult struct {
	Environment string `json:"environment"`
	// State is the gate's state after the decision: pending, approved or rejected.
	State     string `json:"state"`
	Approvals int    `json:"approvals"`
	Required  int    `json:"required"`
}

// PromotionState is the live state of a promotion (PromotionStateQuery) and its result.
type PromotionState struct {
	ID          string          `json:"id"`
	RunID       string          `json:"run_id"`
	Project     string          `json:"project"`
	Version     string          `json:"version"`
	Commit      string          `json:"commit,omitempty"`
	Branch      string          `json:"branch,omitempty"`
	BuildID     string          `json:"build_id,omitempty"`
	TriggeredBy string          `json:"triggered_by,omitempty"`
	Status      PromotionStatus `json:"status"`
	// Current is the environment the promotion is in, while it runs.
	Current      string             `json:"current,omitempty"`
	StartedAt    time.Time          `json:"started_at"`
	FinishedAt   *time.Time         `json:"finished_at,omitempty"`
	Environments []EnvironmentState `json:"environments"`
	Events       []Event            `json:"events"`
	// Kind, Reason and Of: a redeploy or rollback started by hand, why,
	// and the promotion it follows (empty for the promotion of a new version).
	Kind   string `json:"kind,omitempty"`
	Reason string `json:"reason,omitempty"`
	Of     string `json:"of,omitempty"`
}

// SignalFreezeLifted tells a promotion waiting at a frozen environment (its
// payload, the environment's name) to ask again now rather than at its next
// poll. It only makes the promotion look: the ledger says whether the freeze
// holds.
const SignalFreezeLifted = "freeze-lifted"

// Kinds of promotion runs started by hand: a redeploy of a version already
// promoted, or a rollback to an older one.
const (
	KindRedeploy = "redeploy"
	KindRollback = "rollback"
)

// PromotionRunID is the workflow ID of a redeploy or rollback of version:
// promote/<project>/<version>/<kind>-<request id>, so each is its own run
// beside the version's first promotion (PromotionID), and a request sent
// again finds the run it started.
func PromotionRunID(project, version, kind, requestID string) string {
	return PromotionID(project, version) + "/" + kind + "-" + requestID
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
	// From names the promotion type (drover.yaml promotion.types) an
	// approval or window gate came from; empty when the environment or the
	// registration sets it.
	From string `json:"from,omitempty"`
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
	// From names the promotion type (drover.yaml promotion.types) a check
	// came from; empty for a check written in the environment.
	From string `json:"from,omitempty"`
}

// PendingApproval is what the approvals list shows of a pending approval
// gate, kept in the promotion's memo (MemoPendingApproval) so it needs no
// query of the workflow.
type PendingApproval struct {
	Environment  string    `json:"environment"`
	Commit       string    `json:"commit,omitempty"`
	Branch       string    `json:"branch,omitempty"`
	TriggeredBy  string    `json:"triggered_by,omitempty"`
	WaitingSince time.Time `json:"waiting_since"`
	Deadline     time.Time `json:"deadline"`
	Approvers    []string  `json:"approvers"`
	Required     int       `json:"required"`
	// ApprovedBy are the approvers who approved so far, in order.
	ApprovedBy []string `json:"approved_by,omitempty"`
	// Earlier are the states of the environments before this one.
	Earlier []EnvironmentResult `json:"earlier,omitempty"`
}

// EnvironmentResult is where a promotion stands in one environment.
type EnvironmentResult struct {
	Environment string `json:"environment"`
	State       string `json:"state"`
}

// DeletePendingApprovalInput names the approval gate that stopped waiting:
// the input of the DeletePendingApproval activity.
type DeletePendingApprovalInput struct {
	PromotionID string `json:"promotion_id"`
	Environment string `json:"environment"`
}
