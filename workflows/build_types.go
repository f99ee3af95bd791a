package workflows

import (
	"time"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/pipeline"
)

// BuildInput starts a Build.
type BuildInput struct {
	Project    string        `json:"project"`
	Repository string        `json:"repository"`
	Commit     string        `json:"commit"`
	Branch     string        `json:"branch,omitempty"`
	Plan       pipeline.Plan `json:"plan"`
	// TriggeredBy names who or what started the build (a user, "webhook", "cli").
	TriggeredBy string `json:"triggered_by,omitempty"`
	// Subject and Author are the commit's first message line and author
	// name, read from git where the build starts (shown, never trusted).
	Subject string `json:"subject,omitempty"`
	Author  string `json:"author,omitempty"`
	// Rerun is true when the build was started again on purpose for a commit already built.
	Rerun bool `json:"rerun,omitempty"`
	// HeartbeatTimeout is how long a silent task attempt may run before another
	// worker takes it over; zero means DefaultLostHeartbeatTimeout
	// (DefaultHeartbeatTimeout in builds started before infraRetryChangeID).
	HeartbeatTimeout time.Duration `json:"heartbeat_timeout,omitempty"`
	// Promotion, when set, is promoted once the build succeeds: the build
	// starts its Promotion workflow, which outlives the build.
	Promotion *pipeline.Promotion `json:"promotion,omitempty"`
	// PromotionPlan is Promotion compiled where the build started (see
	// PromotionInput.Plan); builds started before plans have none.
	PromotionPlan *pipeline.PromotionPlan `json:"promotion_plan,omitempty"`
	// InfraRetries bounds attempts lost to infrastructure (a dead worker, a failed
	// checkout, log or artifact store) per task run; zero means
	// DefaultLostRetries (DefaultInfraRetries in builds started before the
	// workflow retried lost attempts itself).
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
	Reuse map[string]contracts.TaskState `json:"reuse,omitempty"`
}

// Defaults of BuildInput.
const (
	DefaultHeartbeatTimeout = 30 * time.Second
	DefaultInfraRetries     = 5
)
