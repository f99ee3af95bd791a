package workflows

// Limits of the Environment workflow.
const (
	// RecentResults bounds contracts.EnvironmentLockState.Recent.
	RecentResults = 20
	// EnvironmentSignalsPerRun is how many signals one run of the Environment
	// workflow handles before it continues as new.
	EnvironmentSignalsPerRun = 500
)
