package contracts

import (
	"time"

	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/pipeline"
)

// The inputs that start workflows and the messages sent to a running
// Promotion. They travel in workflow history: fields may be added, never
// renamed or removed.

// BuildInput starts a Build.
type BuildInput struct {
	Project    string        `json:"project"`
	Repository string        `json:"repository"`
	Commit     string        `json:"commit"`
	Branch     string        `json:"branch,omitempty"`
	Plan       pipeline.Plan `json:"plan"`
	// TriggeredBy names who or what started the build (a user, "webhook", "cli").
	TriggeredBy string `json:"triggered_by,omitempty"`
	// RegisteredBy are others credited with the build's commit, decided
	// where the build starts (never from the request): whoever triggered
	// the runs a rerun runs again, and whoever pushed the commit in a push
	// that built nothing (the ledger's pushers). With prevent_self_approval
	// none of them, nor TriggeredBy, may approve the build's version.
	RegisteredBy []string `json:"registered_by,omitempty"`
	// Subject and Author are the commit's first message line and author
	// name, read from git where the build starts (shown, never trusted).
	Subject string `json:"subject,omitempty"`
	Author  string `json:"author,omitempty"`
	// Rerun is true when the build was started again on purpose for a commit already built.
	Rerun bool `json:"rerun,omitempty"`
	// Upstream is the build upstream of this one in a chain across
	// repositories, decided where the build starts from the ledger (never
	// from the request); nil for a build of its own.
	Upstream *Upstream `json:"upstream,omitempty"`
	// StartDownstream, when the build succeeds, has the API start the
	// builds whose triggers.upstream names it (StartDownstreamBuilds).
	StartDownstream bool `json:"start_downstream,omitempty"`
	// HeartbeatTimeout is how long a silent task attempt may run before another
	// worker takes it over; zero means workflows.DefaultLostHeartbeatTimeout
	// (workflows.DefaultHeartbeatTimeout in builds started before the
	// infra-retry change).
	HeartbeatTimeout time.Duration `json:"heartbeat_timeout,omitempty"`
	// Promotion, when set, is promoted once the build succeeds: the build
	// starts its Promotion workflow, which outlives the build.
	Promotion *pipeline.Promotion `json:"promotion,omitempty"`
	// PromotionPlan is Promotion compiled where the build started (see
	// PromotionInput.Plan); builds started before plans have none.
	PromotionPlan *pipeline.PromotionPlan `json:"promotion_plan,omitempty"`
	// InfraRetries bounds attempts lost to infrastructure (a dead worker, a failed
	// checkout, log or artifact store) per task run; zero means
	// workflows.DefaultLostRetries (workflows.DefaultInfraRetries in builds
	// started before the workflow retried lost attempts itself).
	InfraRetries int `json:"infra_retries,omitempty"`
	// Notify holds the project's notification sinks (drover.yaml notify);
	// the worker's global sinks are added to them.
	Notify *pipeline.Notify `json:"notify,omitempty"`
	// DecisionKeys and OperatorDecisions are handed to the promotion the
	// build starts (see PromotionInput).
	DecisionKeys      []decision.PublicKey `json:"decision_keys,omitempty"`
	OperatorDecisions bool                 `json:"operator_decisions,omitempty"`
	// SecretsAllowed is true when the project trusts the build's branch with
	// its secrets: only then do its tasks (and its promotion's steps) get the
	// secrets they name. Decided where the build starts.
	SecretsAllowed bool `json:"secrets_allowed,omitempty"`
	// RerunOf is the run of the same build this one re-runs, when it
	// re-runs only some tasks (see Reuse).
	RerunOf string `json:"rerun_of,omitempty"`
	// Reuse holds, by "stage/task", the final states of tasks that
	// succeeded in the run RerunOf: the build takes them as they are (their
	// logs and artifacts too) instead of running them again. Absent: every
	// task runs. Decided where the build starts, from that run's state.
	Reuse map[string]TaskState `json:"reuse,omitempty"`
	// Changes is the version of the Build workflow's behaviour the build
	// runs with (workflows.BuildChanges where it starts), carried in the
	// input so that the run records no version marker; zero (builds started
	// before it) has the workflow ask Temporal with GetVersion.
	Changes int `json:"changes,omitempty"`
}

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
	// RegisteredBy are the identities that registered artifacts of the
	// version through the API: with prevent_self_approval none of them may
	// approve it either. Empty in promotions started before it existed.
	RegisteredBy []string `json:"registered_by,omitempty"`
	// Environments are the environments as defined (with the registration
	// applied). A promotion with a Plan runs the Plan; Environments stay for
	// workers older than plans, and promotions started before plans compile
	// them when they start.
	Environments []pipeline.Environment `json:"environments"`
	// Plan is Environments compiled by pipeline.CompilePromotion before the
	// workflow started: what the promotion runs.
	Plan      *pipeline.PromotionPlan `json:"plan,omitempty"`
	Artifacts []ArtifactRef           `json:"artifacts,omitempty"`
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
	// KindRedeploy / KindRollback for a run started by hand (its
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
		return PromotionRunID(in.Project, in.Version, in.Kind, in.RequestID)
	}
	return PromotionID(in.Project, in.Version)
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
