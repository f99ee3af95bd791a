package contracts

import (
	"time"

	"github.com/drover-ci/drover/pipeline"
)

// Callback kinds (ledger.Callback.Kind): what the API completes the waiting
// activity with.
const (
	CallbackDeploy   = "deploy"   // a webhook deploy, completed with a DeployResult
	CallbackExternal = "external" // an external check, completed with a CheckResult
)

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

// CIJobCheckRun is what the inputs of the CI-job checks (jenkins,
// github_actions, gitlab) share: the promotion and environment the check
// runs for and its place in the verify list. Embedded, its fields are the
// inputs' own in JSON.
type CIJobCheckRun struct {
	PromotionID string `json:"promotion_id"`
	RunID       string `json:"run_id"`
	Project     string `json:"project"`
	Environment string `json:"environment"`
	Version     string `json:"version"`
	Commit      string `json:"commit,omitempty"`
	Index       int    `json:"index"` // position in the environment's verify list
	// SecretsAllowed: as DeployInput's; without it the check's credential
	// secrets are withheld and the check fails.
	SecretsAllowed bool `json:"secrets_allowed,omitempty"`
}

// JenkinsCheckInput is the input of the CheckJenkins activity: it triggers
// the check's Jenkins jobs and waits for all of them. Its log is at
// "promotions/<id>/<run>/<env>/verify-<index>.log".
type JenkinsCheckInput struct {
	CIJobCheckRun
	Check pipeline.JenkinsCheck `json:"check"`
}

// GitHubCheckInput is the input of the CheckGitHubActions activity: it
// dispatches the check's workflows and waits for all their runs. Its log is
// at "promotions/<id>/<run>/<env>/verify-<index>.log".
type GitHubCheckInput struct {
	CIJobCheckRun
	Check pipeline.GitHubCheck `json:"check"`
}

// GitLabCheckInput is the input of the CheckGitLab activity: it creates a
// pipeline in each of the check's projects and waits for all of them. Its
// log is at "promotions/<id>/<run>/<env>/verify-<index>.log".
type GitLabCheckInput struct {
	CIJobCheckRun
	Check pipeline.GitLabCheck `json:"check"`
}

// CallbackReport is the body of POST /api/v1/callbacks/{token}.
type CallbackReport struct {
	// Status is "success" or "failure".
	Status  string            `json:"status"`
	Message string            `json:"message,omitempty"`
	Outputs map[string]string `json:"outputs,omitempty"`
}

// FreezeCheckInput is the input of the CheckFreeze activity.
type FreezeCheckInput struct {
	Project     string `json:"project"`
	Environment string `json:"environment"`
}

// FreezeStatus says whether an environment is frozen, why, by whom and
// until when (nil: until it is lifted).
type FreezeStatus struct {
	Frozen bool       `json:"frozen"`
	Reason string     `json:"reason,omitempty"`
	By     string     `json:"by,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
}
