package contracts

import "time"

// The Promotion ↔ Environment lock protocol: the signals are SignalArrive,
// SignalAcquire, SignalRelease, SignalLeave (promotion to environment) and
// SignalLockGranted, SignalSuperseded (environment to promotion). A
// promotion asks for the lock with UpdateAcquire (through the
// AcquireEnvironment local activity) rather than SignalAcquire since
// version 2 of the promotion-changes change: the answer, a LockAnswer, tells
// it at once when the lock is free.

// LockRequest identifies a promotion at an environment: the payload of
// SignalArrive, SignalAcquire and SignalLeave.
type LockRequest struct {
	PromotionID string    `json:"promotion_id"`
	RunID       string    `json:"run_id"`
	Version     string    `json:"version"`
	Policy      string    `json:"policy,omitempty"` // pipeline.PolicyFIFO or PolicySupersede
	At          time.Time `json:"at"`
}

// LockRelease ends a promotion's hold of (or wait at) an environment: the
// payload of SignalRelease.
type LockRelease struct {
	PromotionID string `json:"promotion_id"`
	Version     string `json:"version"`
	// Result is the environment's result for the promotion (deployed, failed, ...).
	Result string `json:"result"`
}

// LockGrant tells a promotion it holds an environment's lock: the payload of
// SignalLockGranted.
type LockGrant struct {
	Environment string `json:"environment"`
	// Previous is the version deployed in the environment now (empty for a
	// first deploy): what a rollback redeploys.
	Previous string `json:"previous,omitempty"`
}

// LockAnswer is the answer to UpdateAcquire: exactly one of Grant (the
// promotion holds the lock now), Superseded (a newer version replaced it)
// or Queued (it waits in the queue; SignalLockGranted or SignalSuperseded
// follows).
type LockAnswer struct {
	Grant      *LockGrant  `json:"grant,omitempty"`
	Superseded *Superseded `json:"superseded,omitempty"`
	Queued     bool        `json:"queued,omitempty"`
}

// AcquireEnvironmentInput is the input of the AcquireEnvironment local
// activity, which sends UpdateAcquire with Request to the environment's
// Environment workflow and returns its LockAnswer.
type AcquireEnvironmentInput struct {
	Project     string      `json:"project"`
	Environment string      `json:"environment"`
	Request     LockRequest `json:"request"`
}

// Superseded tells a waiting promotion a newer version replaced it: the
// payload of SignalSuperseded.
type Superseded struct {
	Environment string `json:"environment"`
	By          string `json:"by"` // the newer version
}

// EnterEnvironmentInput is the input of the EnterEnvironment activity, which
// signal-with-starts the environment's Environment workflow (ID
// EnvironmentID, input an EnvironmentInput without State) with SignalArrive
// and Request.
type EnterEnvironmentInput struct {
	Project     string      `json:"project"`
	Environment string      `json:"environment"`
	Request     LockRequest `json:"request"`
}

// EnvironmentInput starts (or continues) the Environment workflow of one
// project's environment.
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
	Holder *LockRequest `json:"holder,omitempty"`
	// Arrived are promotions that entered the environment and wait at its gates.
	Arrived []LockRequest `json:"arrived,omitempty"`
	// Queue are promotions that asked for the lock, first come first served.
	Queue []LockRequest `json:"queue,omitempty"`
	// Recent are the latest results ("<version> <result>"), newest last (a bounded number).
	Recent []string `json:"recent,omitempty"`
}
