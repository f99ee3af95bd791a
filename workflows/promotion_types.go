package workflows

import (
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// DefaultApprovalTimeout applies to approval gates that set no timeout.
const DefaultApprovalTimeout = pipeline.DefaultApprovalTimeout

// PromotionInput, Decision and SkipBake are contracts'.
type (
	// PromotionInput is contracts.PromotionInput.
	PromotionInput = contracts.PromotionInput
	// Decision is contracts.Decision.
	Decision = contracts.Decision
	// SkipBake is contracts.SkipBake.
	SkipBake = contracts.SkipBake
)
