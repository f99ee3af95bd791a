package contracts

import (
	"slices"
	"strings"
)

// Names under which the workflows are registered.
const (
	BuildWorkflowName       = "Build"
	PromotionWorkflowName   = "Promotion"
	EnvironmentWorkflowName = "Environment"
	PollWorkflowName        = "Poll"
)

// TaskQueue is the default task queue for workflows and tasks without
// runs-on labels, and of the Environment workflows the EnterEnvironment
// activity starts.
const TaskQueue = "drover"

// Queries and updates of the workflows.
const (
	// BuildStateQuery returns the live BuildState.
	BuildStateQuery = "state"
	// PromotionStateQuery returns the live PromotionState.
	PromotionStateQuery = "state"
	// EnvironmentStateQuery returns the live EnvironmentLockState.
	EnvironmentStateQuery = "state"
	// DecideUpdate approves or rejects a pending approval gate (payload
	// Decision, result DecisionResult). Its validator refuses a decision with
	// the reason. A signal of the same name and payload is accepted too (so an
	// operator can decide from Temporal Web); it is validated the same way and
	// a refused one is recorded as an event, never applied.
	DecideUpdate = "decide"
	// SkipBakeUpdate ends a running bake early (payload SkipBake).
	SkipBakeUpdate = "skip-bake"
)

// TaskStartedSignal is the signal an attempt sends its build once its script
// has been running for a moment, so the build shows it as building (payload
// TaskStarted).
const TaskStartedSignal = "task-started"

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

// UpdateAcquire is the Update of the Environment workflow that asks for its
// lock (payload LockRequest, answer LockAnswer): the promotion learns in one
// round trip whether it holds the lock, instead of a SignalAcquire and a
// SignalLockGranted back.
const UpdateAcquire = "acquire"

// Search attributes Drover sets on its runs (Keyword unless said otherwise).
const (
	SearchAttrProject     = "DroverProject"
	SearchAttrBranch      = "DroverBranch"
	SearchAttrCommit      = "DroverCommit"
	SearchAttrStatus      = "DroverStatus"
	SearchAttrVersion     = "DroverVersion"
	SearchAttrEnvironment = "DroverEnvironment"
	SearchAttrState       = "DroverState"
	// SearchAttrApprovers (KeywordList) holds, while a promotion's approval
	// gate is pending, the gate's approvers as written ("alice",
	// "group:release"), so that the approvals list finds what waits for a
	// caller with one visibility query. It is unset when the gate ends.
	SearchAttrApprovers = "DroverApprovers"
)

// MemoPendingApproval is the memo key of a PendingApproval while the gate is
// pending; the key is removed when the gate ends.
const MemoPendingApproval = "drover.pending-approval"

// Forges are the forges Drover takes webhooks from: a build of a push is
// triggered by "<forge>:<pusher login>". Append only: promotions decide
// prevent_self_approval with it in workflow code (promotion-changes 3), so
// a forge added changes how a recorded signal decision replays only for
// triggers of that new forge, which no history before it holds.
var Forges = []string{"github", "gitea", "forgejo", "gogs", "gitlab"}

// ForgeLogin returns the login of a trigger "<forge>:<login>" for one of
// Forges, and whether who is one.
func ForgeLogin(who string) (string, bool) {
	forge, login, ok := strings.Cut(who, ":")
	if !ok || login == "" || !slices.Contains(Forges, forge) {
		return "", false
	}
	return login, true
}
