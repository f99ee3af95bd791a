package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/workflows"
)

// PollSchedules creates and updates Temporal Schedules. Create fails with
// temporal.ErrScheduleAlreadyRunning when a schedule with the ID exists;
// Update replaces the spec and action of an existing schedule.
type PollSchedules interface {
	Create(ctx context.Context, opts client.ScheduleOptions) error
	Update(ctx context.Context, opts client.ScheduleOptions) error
}

// TemporalPollSchedules is PollSchedules on a Temporal schedule client.
type TemporalPollSchedules struct {
	Client client.ScheduleClient
}

// Create creates the schedule.
func (s TemporalPollSchedules) Create(ctx context.Context, opts client.ScheduleOptions) error {
	_, err := s.Client.Create(ctx, opts)
	return err
}

// Update replaces the spec and action of the schedule opts.ID, keeping its
// state (a schedule paused by an operator stays paused).
func (s TemporalPollSchedules) Update(ctx context.Context, opts client.ScheduleOptions) error {
	return s.Client.GetHandle(ctx, opts.ID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sched := in.Description.Schedule
			sched.Spec = &opts.Spec
			sched.Action = opts.Action
			return &client.ScheduleUpdate{Schedule: &sched}, nil
		},
	})
}

// PollScheduleOptions is the schedule that runs the Poll workflow of target
// every interval; a run still going when the next is due makes it skip.
func PollScheduleOptions(target PollTarget, interval time.Duration) client.ScheduleOptions {
	id := contracts.PollScheduleID(target.Project)
	return client.ScheduleOptions{
		ID:   id,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: interval}}},
		Action: &client.ScheduleWorkflowAction{
			ID:        id,
			Workflow:  workflows.PollWorkflowName,
			Args:      []any{workflows.PollInput{Project: target.Project, Repository: target.Repository}},
			TaskQueue: workflows.TaskQueue,
			// A poll that cannot finish within the interval is stuck.
			WorkflowExecutionTimeout: interval + 5*time.Minute,
		},
	}
}

// EnsurePollSchedules creates the poll schedule of every target, or updates
// it when it exists, so that starting the API again with the same or a
// changed configuration is safe.
func EnsurePollSchedules(ctx context.Context, s PollSchedules, targets []PollTarget, interval time.Duration, logger *slog.Logger) error {
	for _, t := range targets {
		opts := PollScheduleOptions(t, interval)
		err := s.Create(ctx, opts)
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			err = s.Update(ctx, opts)
		}
		if err != nil {
			return fmt.Errorf("create poll schedule %s: %w", opts.ID, err)
		}
		logger.InfoContext(ctx, "poll schedule ready", "schedule_id", opts.ID,
			"repository", gitsource.Redact(t.Repository), "interval", interval)
	}
	return nil
}
