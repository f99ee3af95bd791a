package activities

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"go.temporal.io/sdk/activity"

	"github.com/drover-ci/drover/ledger"
)

// BuildRecorder is the part of the ledger the build activities write to.
type BuildRecorder interface {
	RecordBuildStarted(ctx context.Context, b ledger.Build) error
	RecordBuildFinished(ctx context.Context, b ledger.Build, tasks []ledger.Task) error
	RecordArtifactVersion(ctx context.Context, v ledger.ArtifactVersion) error
}

// Recorder is the part of the ledger the ledger activities write to: builds,
// and promotions with their deployments, decisions and pending approval
// gates. Every write is an idempotent upsert (or delete) keyed by workflow and
// event, so a retry never duplicates a row.
type Recorder interface {
	BuildRecorder
	RecordPromotion(ctx context.Context, p ledger.Promotion) error
	RecordDeployment(ctx context.Context, d ledger.Deployment) error
	RecordDecision(ctx context.Context, d ledger.Decision) error
	PutPendingApproval(ctx context.Context, p ledger.PendingApproval) error
	DeletePendingApproval(ctx context.Context, promotionID, environment string) error
}

// LedgerActivities writes what builds and promotions did into the ledger. Its
// methods run as local activities: the writes are idempotent, so a retry never
// duplicates a row.
type LedgerActivities struct {
	Ledger Recorder
	// Logger gets an ERROR for every failed write (each attempt: the
	// workflows retry them for a day, and an unreachable ledger must show);
	// nil discards.
	Logger *slog.Logger
}

// failed logs err, the failure of one attempt of a ledger write, at ERROR
// and returns it.
func (a *LedgerActivities) failed(ctx context.Context, err error) error {
	logger := a.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	attrs := []any{"error", err}
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		attrs = append(attrs, "write", info.ActivityType.Name, "workflow_id", info.WorkflowExecution.ID, "attempt", info.Attempt)
	}
	logger.ErrorContext(ctx, "Ledger write failed, will be retried.", attrs...)
	return err
}

// RecordBuildFinishedInput is what a build records when it ends.
type RecordBuildFinishedInput struct {
	Build ledger.Build  `json:"build"`
	Tasks []ledger.Task `json:"tasks"`
	// Version is set when the build succeeded and registered an artifact version.
	Version *ledger.ArtifactVersion `json:"version,omitempty"`
}

// RecordBuildStarted records a build that has started.
func (a *LedgerActivities) RecordBuildStarted(ctx context.Context, b ledger.Build) error {
	if err := a.Ledger.RecordBuildStarted(ctx, b); err != nil {
		return a.failed(ctx, fmt.Errorf("record build %s started: %w", b.ID, err))
	}
	return nil
}

// RecordBuildFinished records a build's outcome, its tasks and, on success, its artifact version.
func (a *LedgerActivities) RecordBuildFinished(ctx context.Context, in RecordBuildFinishedInput) error {
	if in.Version != nil {
		v := *in.Version
		// Whoever triggered the build supplied its artifacts, as did those
		// the build credits besides (BuildInput.RegisteredBy, in v): with
		// prevent_self_approval none may approve the version in a promotion
		// that artifacts registered through the API complete, or a later one.
		if in.Build.TriggeredBy != "" && !slices.Contains(v.RegisteredBy, in.Build.TriggeredBy) {
			v.RegisteredBy = append([]string{in.Build.TriggeredBy}, v.RegisteredBy...)
		}
		if err := a.Ledger.RecordArtifactVersion(ctx, v); err != nil {
			return a.failed(ctx, fmt.Errorf("record artifact version %s/%s: %w", in.Version.Project, in.Version.Version, err))
		}
	}
	if err := a.Ledger.RecordBuildFinished(ctx, in.Build, in.Tasks); err != nil {
		return a.failed(ctx, fmt.Errorf("record build %s finished: %w", in.Build.ID, err))
	}
	return nil
}
