package activities

import (
	"time"

	"github.com/drover-ci/drover/pipeline"
)

// Error types of promotion steps that must not be retried by Temporal.
const (
	ErrTypeDeployFailed = "DeployFailed" // the deploy action ran and failed
	ErrTypeCheckFailed  = "CheckFailed"  // a verification ran and failed
)

// Environment lock signals. A promotion enters an environment with the
// EnterEnvironment activity (signal-with-start of the Environment workflow
// with SignalArrive), then signals SignalAcquire when its gates have passed,
// waits for SignalLockGranted, and signals SignalRelease (or SignalLeave when
// it leaves without deploying). Under the supersede policy the environment
// sends SignalSuperseded to older promotions still waiting.
const (
	SignalArrive      = "arrive"
	SignalAcquire     = "acquire"
	SignalRelease     = "release"
	SignalLeave       = "leave"
	SignalLockGranted = "lock-granted"
	SignalSuperseded  = "superseded"
)

// LockRequest identifies a promotion at an environment.
type LockRequest struct {
	PromotionID string    `json:"promotion_id"`
	RunID       string    `json:"run_id"`
	Version     string    `json:"version"`
	Policy      string    `json:"policy,omitempty"` // pipeline.PolicyFIFO or PolicySupersede
	At          time.Time `json:"at"`
}

// LockRelease ends a promotion's hold of (or wait at) an environment.
type LockRelease struct {
	PromotionID string `json:"promotion_id"`
	Version     string `json:"version"`
	// Result is the environment's result for the promotion (deployed, failed, ...).
	Result string `json:"result"`
}

// LockGrant tells a promotion it holds an environment's lock.
type LockGrant struct {
	Environment string `json:"environment"`
	// Previous is the version deployed in the environment now (empty for a
	// first deploy): what a rollback redeploys.
	Previous string `json:"previous,omitempty"`
}

// Superseded tells a waiting promotion a newer version replaced it.
type Superseded struct {
	Environment string `json:"environment"`
	By          string `json:"by"` // the newer version
}

// EnterEnvironmentInput is the input of the EnterEnvironment activity.
type EnterEnvironmentInput struct {
	Project     string      `json:"project"`
	Environment string      `json:"environment"`
	Request     LockRequest `json:"request"`
}

// DeployInput is the input of the Deploy activity: one deploy (or rollback
// redeploy) of a version to an environment.
type DeployInput struct {
	PromotionID string            `json:"promotion_id"`
	RunID       string            `json:"run_id"`
	Project     string            `json:"project"`
	Environment string            `json:"environment"`
	Version     string            `json:"version"`
	Commit      string            `json:"commit,omitempty"`
	Repository  string            `json:"repository,omitempty"`
	Deploy      pipeline.Deploy   `json:"deploy"`
	Artifacts   []ArtifactRef     `json:"artifacts,omitempty"`
	Rollback    bool              `json:"rollback,omitempty"`
	Env         map[string]string `json:"env,omitempty"`
	// SecretsAllowed is true when the version's branch may receive the
	// secrets its deploy names (see the Promotion's input).
	SecretsAllowed bool `json:"secrets_allowed,omitempty"`
	// Lease is the environment lock's lease this deploy runs under (empty
	// for promotions started before leases); a shell deploy checks it is
	// still held before its script starts.
	Lease string `json:"lease,omitempty"`
}

// DeployResult is what a deploy reported.
type DeployResult struct {
	Detail  string            `json:"detail,omitempty"`
	LogKey  string            `json:"log_key,omitempty"`
	Outputs map[string]string `json:"outputs,omitempty"`
}

// HTTPCheckInput is the input of the CheckHTTP activity.
type HTTPCheckInput struct {
	PromotionID string             `json:"promotion_id"`
	Environment string             `json:"environment"`
	Version     string             `json:"version"`
	Check       pipeline.HTTPCheck `json:"check"`
}

// CheckResult is what a verification reported.
type CheckResult struct {
	Detail   string `json:"detail,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
	LogKey   string `json:"log_key,omitempty"`
}

// TaskCheckInput is the input of the CheckTask activity: a script run like a
// build task, against the environment.
type TaskCheckInput struct {
	PromotionID string             `json:"promotion_id"`
	RunID       string             `json:"run_id"`
	Project     string             `json:"project"`
	Environment string             `json:"environment"`
	Version     string             `json:"version"`
	Commit      string             `json:"commit,omitempty"`
	Repository  string             `json:"repository,omitempty"`
	Index       int                `json:"index"` // position in the environment's verify list
	Check       pipeline.TaskCheck `json:"check"`
	Artifacts   []ArtifactRef      `json:"artifacts,omitempty"`
	// SecretsAllowed: as DeployInput's.
	SecretsAllowed bool `json:"secrets_allowed,omitempty"`
}

// ExternalCheckInput is the input of the WaitExternal activity: it completes
// when an outside verifier reports through its one-time callback URL.
type ExternalCheckInput struct {
	PromotionID string                 `json:"promotion_id"`
	Environment string                 `json:"environment"`
	Version     string                 `json:"version"`
	Check       pipeline.ExternalCheck `json:"check"`
	// RunID and Index place the check's log (which holds the callback URL)
	// at "promotions/<id>/<run>/<env>/verify-<index>.log"; an empty RunID
	// means the run of the calling workflow.
	RunID string `json:"run_id,omitempty"`
	Index int    `json:"index"` // position in the environment's verify list
}

// CallbackReport is the body of POST /api/v1/callbacks/{token}.
type CallbackReport struct {
	// Status is "success" or "failure".
	Status  string            `json:"status"`
	Message string            `json:"message,omitempty"`
	Outputs map[string]string `json:"outputs,omitempty"`
}
