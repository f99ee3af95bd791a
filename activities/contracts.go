package activities

import "github.com/drover-ci/drover/contracts"

// The error types, signals and types of package contracts that activities
// (and their callers) use widely, under their old names here; the
// definitions live in contracts.

// Error types of failures that must not be retried by Temporal (see contracts).
const (
	ErrTypeTaskFailed   = contracts.ErrTypeTaskFailed
	ErrTypeTaskTimedOut = contracts.ErrTypeTaskTimedOut
	ErrTypeBadTask      = contracts.ErrTypeBadTask
	ErrTypeDeployFailed = contracts.ErrTypeDeployFailed
	ErrTypeCheckFailed  = contracts.ErrTypeCheckFailed
)

// Signals of builds and of the environment lock protocol (see contracts).
const (
	TaskStartedSignal = contracts.TaskStartedSignal
	SignalArrive      = contracts.SignalArrive
	SignalAcquire     = contracts.SignalAcquire
	SignalRelease     = contracts.SignalRelease
	SignalLeave       = contracts.SignalLeave
	SignalLockGranted = contracts.SignalLockGranted
	SignalSuperseded  = contracts.SignalSuperseded
)

// Inputs, results and signal payloads of activities (see contracts).
type (
	// TaskStarted is contracts.TaskStarted.
	TaskStarted = contracts.TaskStarted
	// RunTaskInput is contracts.RunTaskInput.
	RunTaskInput = contracts.RunTaskInput
	// RunTaskResult is contracts.RunTaskResult.
	RunTaskResult = contracts.RunTaskResult
	// TaskStepState is contracts.TaskStepState.
	TaskStepState = contracts.TaskStepState
	// ArtifactRef is contracts.ArtifactRef.
	ArtifactRef = contracts.ArtifactRef
	// StartMissingBuildsInput is contracts.StartMissingBuildsInput.
	StartMissingBuildsInput = contracts.StartMissingBuildsInput
	// StartMissingBuildsResult is contracts.StartMissingBuildsResult.
	StartMissingBuildsResult = contracts.StartMissingBuildsResult
	// LockRequest is contracts.LockRequest.
	LockRequest = contracts.LockRequest
	// LockRelease is contracts.LockRelease.
	LockRelease = contracts.LockRelease
	// LockGrant is contracts.LockGrant.
	LockGrant = contracts.LockGrant
	// Superseded is contracts.Superseded.
	Superseded = contracts.Superseded
	// EnterEnvironmentInput is contracts.EnterEnvironmentInput.
	EnterEnvironmentInput = contracts.EnterEnvironmentInput
	// AcquireEnvironmentInput is contracts.AcquireEnvironmentInput.
	AcquireEnvironmentInput = contracts.AcquireEnvironmentInput
	// LockAnswer is contracts.LockAnswer.
	LockAnswer = contracts.LockAnswer
	// DeployInput is contracts.DeployInput.
	DeployInput = contracts.DeployInput
	// DeployResult is contracts.DeployResult.
	DeployResult = contracts.DeployResult
	// HTTPCheckInput is contracts.HTTPCheckInput.
	HTTPCheckInput = contracts.HTTPCheckInput
	// CheckResult is contracts.CheckResult.
	CheckResult = contracts.CheckResult
	// TaskCheckInput is contracts.TaskCheckInput.
	TaskCheckInput = contracts.TaskCheckInput
	// GitHubCheckInput is contracts.GitHubCheckInput.
	GitHubCheckInput = contracts.GitHubCheckInput
	// GitLabCheckInput is contracts.GitLabCheckInput.
	GitLabCheckInput = contracts.GitLabCheckInput
	// JenkinsCheckInput is contracts.JenkinsCheckInput.
	JenkinsCheckInput = contracts.JenkinsCheckInput
	// ExternalCheckInput is contracts.ExternalCheckInput.
	ExternalCheckInput = contracts.ExternalCheckInput
	// CallbackReport is contracts.CallbackReport.
	CallbackReport = contracts.CallbackReport
)

// Notification sinks, commit status states and Slack action IDs (see contracts).
const (
	SinkWebhook        = contracts.SinkWebhook
	SinkSlack          = contracts.SinkSlack
	SinkStatus         = contracts.SinkStatus
	StatusPending      = contracts.CommitStatusPending
	StatusSuccess      = contracts.CommitStatusSuccess
	StatusFailure      = contracts.CommitStatusFailure
	SlackActionApprove = contracts.SlackActionApprove
	SlackActionReject  = contracts.SlackActionReject
)

// Inputs and results of the notification activities (see contracts).
type (
	// NotifyEvent is contracts.NotifyEvent.
	NotifyEvent = contracts.NotifyEvent
	// NotifyTask is contracts.NotifyTask.
	NotifyTask = contracts.NotifyTask
	// WebhookDelivery is contracts.WebhookDelivery.
	WebhookDelivery = contracts.WebhookDelivery
	// SlackMessage is contracts.SlackMessage.
	SlackMessage = contracts.SlackMessage
	// SlackApproval is contracts.SlackApproval.
	SlackApproval = contracts.SlackApproval
	// SlackPosted is contracts.SlackPosted.
	SlackPosted = contracts.SlackPosted
	// CommitStatus is contracts.CommitStatus.
	CommitStatus = contracts.CommitStatus
	// ResolveSinksInput is contracts.ResolveSinksInput.
	ResolveSinksInput = contracts.ResolveSinksInput
	// NotifySinks is contracts.NotifySinks.
	NotifySinks = contracts.NotifySinks
	// DeletePendingApprovalInput is contracts.DeletePendingApprovalInput.
	DeletePendingApprovalInput = contracts.DeletePendingApprovalInput
)
