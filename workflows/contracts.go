package workflows

import "github.com/drover-ci/drover/contracts"

// The names, IDs and types of package contracts that workflows (and their
// callers) use widely, under their old names here; the definitions live in
// contracts.

// Workflow, query, update and schedule names (see contracts).
const (
	BuildWorkflowName       = contracts.BuildWorkflowName
	PromotionWorkflowName   = contracts.PromotionWorkflowName
	EnvironmentWorkflowName = contracts.EnvironmentWorkflowName
	PollWorkflowName        = contracts.PollWorkflowName
	TaskQueue               = contracts.TaskQueue
	BuildStateQuery         = contracts.BuildStateQuery
	PromotionStateQuery     = contracts.PromotionStateQuery
	EnvironmentStateQuery   = contracts.EnvironmentStateQuery
	DecideUpdate            = contracts.DecideUpdate
	SkipBakeUpdate          = contracts.SkipBakeUpdate
)

// Search attributes and memo keys (see contracts).
const (
	SearchAttrProject     = contracts.SearchAttrProject
	SearchAttrBranch      = contracts.SearchAttrBranch
	SearchAttrCommit      = contracts.SearchAttrCommit
	SearchAttrStatus      = contracts.SearchAttrStatus
	SearchAttrVersion     = contracts.SearchAttrVersion
	SearchAttrEnvironment = contracts.SearchAttrEnvironment
	SearchAttrState       = contracts.SearchAttrState
	SearchAttrApprovers   = contracts.SearchAttrApprovers
	MemoPendingApproval   = contracts.MemoPendingApproval
)

// Build, task and promotion statuses (see contracts).
const (
	StatusRunning   = contracts.StatusRunning
	StatusSucceeded = contracts.StatusSucceeded
	StatusFailed    = contracts.StatusFailed
	StatusCancelled = contracts.StatusCancelled

	StageWaiting   = contracts.StageWaiting
	StageRunning   = contracts.StageRunning
	StageSucceeded = contracts.StageSucceeded
	StageFailed    = contracts.StageFailed
	StageCancelled = contracts.StageCancelled
	StageSkipped   = contracts.StageSkipped

	TaskWaiting   = contracts.TaskWaiting
	TaskReady     = contracts.TaskReady
	TaskScheduled = contracts.TaskScheduled
	TaskBuilding  = contracts.TaskBuilding
	TaskSucceeded = contracts.TaskSucceeded
	TaskFailed    = contracts.TaskFailed
	TaskCancelled = contracts.TaskCancelled
	TaskSkipped   = contracts.TaskSkipped

	PromotionRunning   = contracts.PromotionRunning
	PromotionCompleted = contracts.PromotionCompleted
	PromotionStopped   = contracts.PromotionStopped
	PromotionCancelled = contracts.PromotionCancelled
)

// Environment, gate and step states and kinds (see contracts).
const (
	EnvPending          = contracts.EnvPending
	EnvAwaitingSoak     = contracts.EnvAwaitingSoak
	EnvAwaitingWindow   = contracts.EnvAwaitingWindow
	EnvAwaitingApproval = contracts.EnvAwaitingApproval
	EnvQueued           = contracts.EnvQueued
	EnvFrozen           = contracts.EnvFrozen
	EnvDeploying        = contracts.EnvDeploying
	EnvVerifying        = contracts.EnvVerifying
	EnvRollingBack      = contracts.EnvRollingBack
	EnvDeployed         = contracts.EnvDeployed
	EnvRejected         = contracts.EnvRejected
	EnvExpired          = contracts.EnvExpired
	EnvSuperseded       = contracts.EnvSuperseded
	EnvFailed           = contracts.EnvFailed
	EnvRolledBack       = contracts.EnvRolledBack
	EnvSkipped          = contracts.EnvSkipped
	EnvCancelled        = contracts.EnvCancelled

	GateWaiting   = contracts.GateWaiting
	GatePending   = contracts.GatePending
	GateApproved  = contracts.GateApproved
	GateRejected  = contracts.GateRejected
	GateExpired   = contracts.GateExpired
	GatePassed    = contracts.GatePassed
	GateWithdrawn = contracts.GateWithdrawn

	StepRunning   = contracts.StepRunning
	StepSucceeded = contracts.StepSucceeded
	StepFailed    = contracts.StepFailed
	StepSkipped   = contracts.StepSkipped

	GateSoak     = contracts.GateSoak
	GateWindow   = contracts.GateWindow
	GateApproval = contracts.GateApproval
	StepDeploy   = contracts.StepDeploy
	StepRollback = contracts.StepRollback
)

// Event types of builds and promotions (see contracts).
const (
	EventBuildStart            = contracts.EventBuildStart
	EventTaskStart             = contracts.EventTaskStart
	EventTaskSuccess           = contracts.EventTaskSuccess
	EventTaskFail              = contracts.EventTaskFail
	EventBuildSuccess          = contracts.EventBuildSuccess
	EventBuildFail             = contracts.EventBuildFail
	EventTaskComplete          = contracts.EventTaskComplete
	EventBuildComplete         = contracts.EventBuildComplete
	EventSinkDelivered         = contracts.EventSinkDelivered
	EventSinkFailed            = contracts.EventSinkFailed
	EventArtifactAvailable     = contracts.EventArtifactAvailable
	EventApprovalRequested     = contracts.EventApprovalRequested
	EventApproved              = contracts.EventApproved
	EventRejected              = contracts.EventRejected
	EventDecisionRefused       = contracts.EventDecisionRefused
	EventDeployStarted         = contracts.EventDeployStarted
	EventDeployCompleted       = contracts.EventDeployCompleted
	EventDeployFailed          = contracts.EventDeployFailed
	EventVerificationCompleted = contracts.EventVerificationCompleted
	EventVerificationFailed    = contracts.EventVerificationFailed
	EventBakeSkipped           = contracts.EventBakeSkipped
	EventRolledBack            = contracts.EventRolledBack
	EventSuperseded            = contracts.EventSuperseded
	EventFrozen                = contracts.EventFrozen
	EventFreezeLifted          = contracts.EventFreezeLifted
	EventPromotionComplete     = contracts.EventPromotionComplete
)

// Error types of refused decisions and decision channels (see contracts).
const (
	ErrTypeNotApprover      = contracts.ErrTypeNotApprover
	ErrTypeSelfApproval     = contracts.ErrTypeSelfApproval
	ErrTypeAlreadyDecided   = contracts.ErrTypeAlreadyDecided
	ErrTypeNotPending       = contracts.ErrTypeNotPending
	ErrTypeSuperseded       = contracts.ErrTypeSuperseded
	ErrTypeUnauthenticated  = contracts.ErrTypeUnauthenticated
	DecisionRefused         = contracts.DecisionRefused
	ChannelTemporalWeb      = contracts.ChannelTemporalWeb
	ChannelTemporalOperator = contracts.ChannelTemporalOperator
	AuditChannelTemporal    = contracts.AuditChannelTemporal
)

// State, input and result types (see contracts).
type (
	// BuildStatus is contracts.BuildStatus.
	BuildStatus = contracts.BuildStatus
	// StageStatus is contracts.StageStatus.
	StageStatus = contracts.StageStatus
	// TaskStatus is contracts.TaskStatus.
	TaskStatus = contracts.TaskStatus
	// Event is contracts.Event.
	Event = contracts.Event
	// BuildState is contracts.BuildState.
	BuildState = contracts.BuildState
	// StageState is contracts.StageState.
	StageState = contracts.StageState
	// TaskState is contracts.TaskState.
	TaskState = contracts.TaskState
	// TaskStepState is contracts.TaskStepState.
	TaskStepState = contracts.TaskStepState
	// PromotionState is contracts.PromotionState.
	PromotionState = contracts.PromotionState
	// EnvironmentState is contracts.EnvironmentState.
	EnvironmentState = contracts.EnvironmentState
	// GateState is contracts.GateState.
	GateState = contracts.GateState
	// DecisionInfo is contracts.DecisionInfo.
	DecisionInfo = contracts.DecisionInfo
	// StepState is contracts.StepState.
	StepState = contracts.StepState
	// DecisionResult is contracts.DecisionResult.
	DecisionResult = contracts.DecisionResult
	// PendingApproval is contracts.PendingApproval.
	PendingApproval = contracts.PendingApproval
	// EnvironmentResult is contracts.EnvironmentResult.
	EnvironmentResult = contracts.EnvironmentResult
	// EnvironmentInput is contracts.EnvironmentInput.
	EnvironmentInput = contracts.EnvironmentInput
	// EnvironmentLockState is contracts.EnvironmentLockState.
	EnvironmentLockState = contracts.EnvironmentLockState
	// PollInput is contracts.PollInput.
	PollInput = contracts.PollInput
	// PollResult counts the heads a Poll saw and what became of them.
	PollResult = contracts.StartMissingBuildsResult
)
