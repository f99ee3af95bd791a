package contracts

// Error types of build task failures that must not be retried by Temporal:
// the workflow decides on another attempt from the task's own retries.
const (
	ErrTypeTaskFailed   = "TaskFailed"   // the script exited non-zero
	ErrTypeTaskTimedOut = "TaskTimedOut" // the script ran past the task's timeout
	ErrTypeBadTask      = "BadTask"      // the task can never run (e.g. an artifact path escapes the workspace)
)

// ErrTypeBuildFailed is the error type of a Build that ended with failed
// tasks; its details are the final BuildState.
const ErrTypeBuildFailed = "BuildFailed"

// Error types of promotion steps that must not be retried by Temporal.
const (
	ErrTypeDeployFailed = "DeployFailed" // the deploy action ran and failed
	ErrTypeCheckFailed  = "CheckFailed"  // a verification ran and failed
)

// ErrTypeBadLockRequest is the error type of an Environment workflow's
// refusal of a malformed UpdateAcquire (its validator's): asking again
// cannot help. Any other refusal (an older worker that has no handler for
// the update, during a rolling upgrade) is worth asking again.
const ErrTypeBadLockRequest = "BadLockRequest"

// ErrTypeSinkRejected is the error type of a notification a sink refused for
// good (not retried).
const ErrTypeSinkRejected = "SinkRejected"

// Error types of refused decisions (and refused SkipBake updates). The API
// answers 403 to NotApprover and SelfApproval, 409 to the others. Each
// refusal's message starts with stable words: "not an approver:",
// "self-approval:", "already decided:", "not pending:", "superseded:".
const (
	ErrTypeNotApprover    = "NotApprover"
	ErrTypeSelfApproval   = "SelfApproval"
	ErrTypeAlreadyDecided = "AlreadyDecided"
	ErrTypeNotPending     = "NotPending"
	ErrTypeSuperseded     = "Superseded"
	// ErrTypeUnauthenticated refuses a decision Drover's API did not sign:
	// unsigned, a bad signature, a key the promotion does not trust, another
	// promotion's decision, a replayed nonce.
	ErrTypeUnauthenticated = "Unauthenticated"
	// DecisionRefused is the detail every refusal carries.
	DecisionRefused = "DecisionRefused"
)
