package rest

import "time"

// The bodies below show rows of Drover's ledger. Their fields are those of
// the ledger's types (ledger.EnvironmentStatus, ledger.Deployment,
// ledger.AuditEntry) in the same order, so the API converts a row with a
// type conversion, which stops compiling when the two drift apart; a test
// in api (TestLedgerRowsKeepTheirJSON) pins their JSON to be the same.

// EnvironmentStatus is what is deployed in one environment.
type EnvironmentStatus struct {
	Project     string `json:"project"`
	Environment string `json:"environment"`
	Version     string `json:"version"`
	// Since is when the deployment that put Version there finished.
	Since       time.Time `json:"since"`
	PromotionID string    `json:"promotion_id"`
	Actor       string    `json:"actor,omitempty"`
	// PreviousVersion is the version that deployment replaced.
	PreviousVersion string `json:"previous_version,omitempty"`
	// Artifacts are the artifacts of Version deployed there, each with the
	// source version it was built from.
	Artifacts []DeployedArtifact `json:"artifacts,omitempty"`
}

// DeployedArtifact is an artifact a deployment deployed, with its source
// (puppet-foas from puppet-foas@def456).
type DeployedArtifact struct {
	Name             string `json:"name"`
	SourceRepository string `json:"source_repository,omitempty"`
	SourceVersion    string `json:"source_version,omitempty"`
}

// EnvironmentsResponse answers GET /api/v1/environments: what version is
// where, by project then environment.
type EnvironmentsResponse struct {
	Environments []EnvironmentStatus `json:"environments"`
	// Freezes are the environments frozen now, of the projects listed.
	Freezes []Freeze `json:"freezes,omitempty"`
}

// Freeze is a frozen environment: promotions wait at its gate until it is
// lifted or Until passes.
type Freeze struct {
	Project     string     `json:"project"`
	Environment string     `json:"environment"`
	Reason      string     `json:"reason"`
	By          string     `json:"by,omitempty"`
	At          time.Time  `json:"at"`
	Until       *time.Time `json:"until,omitempty"`
}

// FreezeRequest is the body of PUT /api/v1/environments/{project}/{environment}/freeze.
type FreezeRequest struct {
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until,omitempty"`
}

// Deployment is one deploy of a version to an environment by a promotion run.
type Deployment struct {
	PromotionID string `json:"promotion_id"`
	RunID       string `json:"run_id"`
	Project     string `json:"project"`
	Environment string `json:"environment"`
	Version     string `json:"version"`
	// Rollback marks a redeploy of the previous version after a failed verification.
	Rollback bool `json:"rollback,omitempty"`
	// Result is deploying, then deployed | failed | rolled_back | ...
	Result string `json:"result"`
	// Actor is who approved or triggered the deployment; it may be empty.
	Actor string `json:"actor,omitempty"`
	// PreviousVersion is what was deployed in the environment before.
	PreviousVersion string `json:"previous_version,omitempty"`
	// Outputs are what the deploy reported.
	Outputs    map[string]string `json:"outputs,omitempty"`
	StartedAt  time.Time         `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
	// Kind is "", redeploy or rollback: the kind of the promotion run that
	// deployed (a rollback started by hand; Rollback marks the automatic one).
	Kind string `json:"kind,omitempty"`
	// Artifacts are the artifacts it deployed, with their sources.
	Artifacts []DeployedArtifact `json:"artifacts,omitempty"`
}

// EnvironmentHistoryResponse answers GET
// /api/v1/environments/{project}/{environment}/history, newest first.
type EnvironmentHistoryResponse struct {
	Project     string       `json:"project"`
	Environment string       `json:"environment"`
	Deployments []Deployment `json:"deployments"`
}

// AuditEntry is one refused attempt (or audited admin action).
type AuditEntry struct {
	// Key is the entry's idempotency key, if it has one.
	Key     string    `json:"key,omitempty"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"` // approve, reject, skip-bake, cancel, build, promote, secret.set ...
	Project string    `json:"project"`
	Target  string    `json:"target,omitempty"`  // run id, environment, secret name ...
	Channel string    `json:"channel,omitempty"` // api, cli, web, slack, temporal
	Outcome string    `json:"outcome"`
	Reason  string    `json:"reason,omitempty"`
}

// AuditResponse answers GET /api/v1/audit, newest first.
type AuditResponse struct {
	Entries []AuditEntry `json:"entries"`
}
