package workflows

import (
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/pipeline"
)

// DefaultApprovalTimeout applies to approval gates that set no timeout.
const DefaultApprovalTimeout = pipeline.DefaultApprovalTimeout

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
	TriggeredBy string `json:"triggered_by,omitempty"`
	// Environments are the environments as defined (with the registration
	// applied). A promotion with a Plan runs the Plan; Environments stay for
	// workers older than plans, and promotions started before plans compile
	// them when they start.
	Environments []pipeline.Environment `json:"environments"`
	// Plan is Environments compiled by pipeline.CompilePromotion before the
	// workflow started: what the promotion runs.
	Plan      *pipeline.PromotionPlan `json:"plan,omitempty"`
	Artifacts []contracts.ArtifactRef `json:"artifacts,omitempty"`
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
	// SecretsAllowed: as BuildInput's, for the deploys and checks.
	SecretsAllowed bool `json:"secrets_allowed,omitempty"`
	// Kind is "" for the promotion of a new version, or
	// contracts.KindRedeploy / KindRollback for a run started by hand (its
	// workflow ID is then PromotionRunID's); Reason says why, Of is the
	// promotion it follows, RequestID the caller's id that names the run.
	Kind      string `json:"kind,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Of        string `json:"of,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// WorkflowID is the ID the promotion runs under: PromotionID for the
// promotion of a new version, PromotionRunID for a redeploy or rollback.
func (in PromotionInput) WorkflowID() string {
	if in.Kind != "" {
		return contracts.PromotionRunID(in.Project, in.Version, in.Kind, in.RequestID)
	}
	return contracts.PromotionID(in.Project, in.Version)
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

// SkipBake ends an environment's running bake early.
type SkipBake struct {
	Environment string `json:"environment"`
	Actor       string `json:"actor"`
	Reason      string `json:"reason"`
	// Channel and Proof as in Decision.
	Channel string          `json:"channel,omitempty"`
	Proof   *decision.Proof `json:"proof,omitempty"`
}
