package ledger

import (
	"log/slog"
	"time"
)

// Deployment results the ledger gives a meaning to. The promotion workflow
// records others too (failed, rolled_back, ...): any result but ResultDeploying
// is final.
const (
	// ResultDeploying is the result of a deployment that has started and not ended.
	ResultDeploying = "deploying"
	// ResultDeployed is the result of a deployment whose version is now in its
	// environment (for a rollback: the previous version is back).
	ResultDeployed = "deployed"
)

// Promotion is one workflow run of a promotion, keyed by (ID, RunID).
type Promotion struct {
	ID          string     `json:"id"`     // workflow ID, promote/<project>/<version>
	RunID       string     `json:"run_id"` // Temporal run ID
	Project     string     `json:"project"`
	Version     string     `json:"version"`
	Commit      string     `json:"commit,omitempty"`
	Branch      string     `json:"branch,omitempty"`
	BuildID     string     `json:"build_id,omitempty"`
	TriggeredBy string     `json:"triggered_by,omitempty"`
	Status      string     `json:"status"` // running, then completed | stopped | cancelled
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	// Environments are the environments the promotion walks, in order.
	Environments []string `json:"environments,omitempty"`
	// Kind is "" for a promotion of a new version, KindRedeploy or
	// KindRollback for one started by hand; Reason says why, Of is the
	// promotion it follows.
	Kind   string `json:"kind,omitempty"`
	Reason string `json:"reason,omitempty"`
	Of     string `json:"of,omitempty"`
}

// Kinds of promotion runs started by hand.
const (
	KindRedeploy = "redeploy"
	KindRollback = "rollback"
)

// Deployment is one deploy of a version to an environment by a promotion run,
// keyed by (PromotionID, RunID, Environment, Rollback).
type Deployment struct {
	PromotionID string `json:"promotion_id"`
	RunID       string `json:"run_id"`
	Project     string `json:"project"`
	Environment string `json:"environment"`
	Version     string `json:"version"`
	// Rollback marks a redeploy of the previous version after a failed verification.
	Rollback bool `json:"rollback,omitempty"`
	// Result is ResultDeploying, then deployed | failed | rolled_back | ...
	Result string `json:"result"`
	// Actor is who approved or triggered the deployment; it may be empty.
	Actor string `json:"actor,omitempty"`
	// PreviousVersion is what was deployed in the environment before.
	PreviousVersion string `json:"previous_version,omitempty"`
	// Outputs are what the deploy reported; stored as JSON text, empty reads back nil.
	Outputs    map[string]string `json:"outputs,omitempty"`
	StartedAt  time.Time         `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
	// Kind is the kind of the promotion run that deployed: "", redeploy or
	// rollback (a rollback started by hand; Rollback marks the automatic one).
	Kind string `json:"kind,omitempty"`
	// Artifacts are the version's artifacts with their sources, as the
	// ledger knew them when the deployment was first recorded (the ledger
	// fills them in; what a caller sets is ignored).
	Artifacts []DeployedArtifact `json:"artifacts,omitempty"`
}

// Decision is an approval or a rejection of an environment's approval gate,
// keyed by (PromotionID, RunID, Environment, Actor).
type Decision struct {
	PromotionID string    `json:"promotion_id"`
	RunID       string    `json:"run_id"`
	Project     string    `json:"project"`
	Version     string    `json:"version"`
	Environment string    `json:"environment"`
	Actor       string    `json:"actor"`
	Approve     bool      `json:"approve"`
	Channel     string    `json:"channel,omitempty"` // api, cli, web, slack, temporal-web
	Comment     string    `json:"comment,omitempty"`
	At          time.Time `json:"at"`
}

// EnvironmentStatus is what is deployed in one environment of a project.
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

// PromotionFilter selects promotions for ListPromotions; empty fields match
// everything. Limit 0 means DefaultLimit and is capped at MaxLimit.
type PromotionFilter struct {
	Project string
	Status  string
	Limit   int
	Offset  int
}

// Callback is a one-time callback token: whoever presents Token completes the
// activity waiting on TaskToken (a webhook deploy or an external check). The
// ledger stores only the token's SHA-256, so Token is set on the way in and on
// what ConsumeCallback returns, never read back from the database.
type Callback struct {
	Token       string    `json:"-"`
	TaskToken   []byte    `json:"-"`
	Kind        string    `json:"kind"` // deploy or external
	PromotionID string    `json:"promotion_id"`
	Environment string    `json:"environment"`
	CreatedAt   time.Time `json:"created_at"`
	// ExpiresAt is when the token stops being accepted; zero means never.
	ExpiresAt time.Time `json:"expires_at"`
}

// LogValue implements slog.LogValuer, leaving the token and task token out.
func (c Callback) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("kind", c.Kind),
		slog.String("promotion_id", c.PromotionID),
		slog.String("environment", c.Environment),
		slog.Time("expires_at", c.ExpiresAt),
	)
}
