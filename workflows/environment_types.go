package workflows

import (
	"time"

	"github.com/drover-ci/drover/activities"
)

// EnvironmentInput starts (or continues) the Environment workflow of one
// project's environment. Its JSON field names match activities.EnvironmentStart,
// with which the EnterEnvironment activity signal-with-starts it.
type EnvironmentInput struct {
	Project     string `json:"project"`
	Environment string `json:"environment"`
	// State is the state carried over by continue-as-new; nil on a first start.
	State *EnvironmentLockState `json:"state,omitempty"`
}

// EnvironmentLockState is the live state of an environment's lock
// (EnvironmentStateQuery), carried over when the workflow continues as new.
type EnvironmentLockState struct {
	Project     string `json:"project"`
	Environment string `json:"environment"`
	// Policy is the queue policy of the latest request (pipeline.PolicyFIFO or PolicySupersede).
	Policy string `json:"policy"`
	// Current is the version deployed in the environment now ("" before the first deploy).
	Current string `json:"current,omitempty"`
	// CurrentAt is the LockRequest.At of the promotion that deployed Current:
	// under supersede, no promotion older than it is granted the lock.
	CurrentAt time.Time `json:"current_at,omitzero"`
	// Holder is the promotion deploying now, if any.
	Holder *activities.LockRequest `json:"holder,omitempty"`
	// Arrived are promotions that entered the environment and wait at its gates.
	Arrived []activities.LockRequest `json:"arrived,omitempty"`
	// Queue are promotions that asked for the lock, first come first served.
	Queue []activities.LockRequest `json:"queue,omitempty"`
	// Recent are the latest results ("<version> <result>"), newest last, at most RecentResults.
	Recent []string `json:"recent,omitempty"`
}

// Limits of the Environment workflow.
const (
	// RecentResults bounds EnvironmentLockState.Recent.
	RecentResults = 20
	// EnvironmentSignalsPerRun is how many signals one run of the Environment
	// workflow handles before it continues as new.
	EnvironmentSignalsPerRun = 500
)
