package workflows

import (
	"time"

	"github.com/drover-ci/drover/contracts"
)

// BuildInput is contracts.BuildInput.
type BuildInput = contracts.BuildInput

// Defaults of BuildInput.
const (
	DefaultHeartbeatTimeout = 30 * time.Second
	DefaultInfraRetries     = 5
)
