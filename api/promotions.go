package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// ErrPromotionFinished is returned by Promotions when the promotion already ended.
var ErrPromotionFinished = errors.New("promotion is not running")

// ErrNoAnswer is returned by Promotions when a running promotion did not
// answer in time (no worker is polling, say).
var ErrNoAnswer = errors.New("promotion did not answer in time")

// RefusedError is a decision (or bake skip) the promotion refused, with the
// reason its validator gave.
type RefusedError struct {
	// Kind is the refusal's type: NotApprover, SelfApproval (the caller may
	// not do this: 403), AlreadyDecided, NotPending, Superseded (not now: 409).
	Kind   string
	Reason string
}

// Error returns the reason.
func (e *RefusedError) Error() string { return e.Reason }

// Forbidden reports whether the caller may never do what was refused, as
// opposed to the gate not being in a state to accept it.
func (e *RefusedError) Forbidden() bool {
	return e.Kind == RefusedNotApprover || e.Kind == RefusedSelfApproval || e.Kind == RefusedUnauthenticated
}

// Kinds of RefusedError: the application error types of the promotion's validators.
const (
	RefusedNotApprover    = workflows.ErrTypeNotApprover
	RefusedSelfApproval   = workflows.ErrTypeSelfApproval
	RefusedAlreadyDecided = workflows.ErrTypeAlreadyDecided
	RefusedNotPending     = workflows.ErrTypeNotPending
	RefusedSuperseded     = workflows.ErrTypeSuperseded
	// RefusedUnauthenticated: the promotion did not trust the decision's
	// signature (say, it was started with another decision key): 403.
	RefusedUnauthenticated = workflows.ErrTypeUnauthenticated
)

// Promotions starts, inspects, decides and cancels promotion workflows.
// TemporalPromotions implements it over a Temporal client.
type Promotions interface {
	// Start starts the promotion of in.Project's in.Version; a promotion that
	// exists already (running or finished) is returned with existing set.
	Start(ctx context.Context, in workflows.PromotionInput) (id, runID string, existing bool, err error)
	// State returns a run of a promotion (the latest when runID is empty),
	// live while it runs; ErrNotFound when Temporal knows no such run.
	State(ctx context.Context, id, runID string) (workflows.PromotionState, error)
	// Decide approves or rejects a pending approval gate. A refused decision
	// is a *RefusedError; ErrNotFound, ErrPromotionFinished and ErrNoAnswer
	// as their names say.
	Decide(ctx context.Context, id string, d workflows.Decision) (workflows.DecisionResult, error)
	// SkipBake ends a running bake early; errors as for Decide.
	SkipBake(ctx context.Context, id string, s workflows.SkipBake) error
	// Cancel requests the cancellation of a running promotion.
	Cancel(ctx context.Context, id string) error
}

// PromotionLedger reads and records what promotions need in the ledger;
// *ledger.Ledger implements it.
type PromotionLedger interface {
	ListPromotions(ctx context.Context, f ledger.PromotionFilter) ([]ledger.Promotion, error)
	// GetPromotion returns a run of a promotion (the latest when runID is
	// empty); ledger.ErrNotFound when absent.
	GetPromotion(ctx context.Context, id, runID string) (ledger.Promotion, error)
	Environments(ctx context.Context, project string) ([]ledger.EnvironmentStatus, error)
	EnvironmentHistory(ctx context.Context, project, environment string, limit int) ([]ledger.Deployment, error)
	// AddArtifacts records v's artifacts into the version (recording it
	// when new) and returns the version with all its artifacts; a commit or
	// artifact that conflicts with the record wraps ledger.ErrVersionConflict.
	AddArtifacts(ctx context.Context, v ledger.ArtifactVersion) (ledger.ArtifactVersion, error)
	// GetArtifactVersion wraps ledger.ErrNotFound when absent.
	GetArtifactVersion(ctx context.Context, project, version string) (ledger.ArtifactVersion, error)
	ListProjects(ctx context.Context) ([]ledger.Project, error)
	// PendingApprovalsOf returns the approval gates of project's versions
	// that wait for decisions, oldest wait first.
	PendingApprovalsOf(ctx context.Context, project string, versions []string) ([]ledger.PendingApproval, error)
	// PendingApprovalsPage returns one page of the approval gates q
	// selects and how many it selects in all.
	PendingApprovalsPage(ctx context.Context, q ledger.PendingApprovalQuery) (ledger.PendingApprovalPage, error)
}

// CallbackStore hands out one-time callbacks; *ledger.Ledger implements it.
type CallbackStore interface {
	// ConsumeCallback marks the callback of token used and returns it:
	// ledger.ErrNotFound when unknown or expired, ledger.ErrCallbackUsed
	// when used already.
	ConsumeCallback(ctx context.Context, token string) (ledger.Callback, error)
}

// ActivityCompleter completes an activity that waits for a callback; the
// Temporal client implements it.
type ActivityCompleter interface {
	CompleteActivity(ctx context.Context, taskToken []byte, result any, err error) error
}

// Authenticator tells who sends a request; *identity.Directory implements it.
type Authenticator interface {
	// Authenticate returns identity.ErrNoCredentials when the request has
	// none, identity.ErrBadCredentials when they are wrong.
	Authenticate(r *http.Request) (identity.User, error)
}
