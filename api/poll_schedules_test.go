package api

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/workflows"
)

// fakePollSchedules keeps schedules by ID, as Temporal would.
type fakePollSchedules struct {
	schedules map[string]client.ScheduleOptions
	creates   int
	updates   int
	fail      error
}

func (f *fakePollSchedules) Create(_ context.Context, opts client.ScheduleOptions) error {
	f.creates++
	if f.fail != nil {
		return f.fail
	}
	if _, ok := f.schedules[opts.ID]; ok {
		return temporal.ErrScheduleAlreadyRunning
	}
	f.schedules[opts.ID] = opts
	return nil
}

func (f *fakePollSchedules) Update(_ context.Context, opts client.ScheduleOptions) error {
	f.updates++
	if _, ok := f.schedules[opts.ID]; !ok {
		return errors.New("schedule not found")
	}
	f.schedules[opts.ID] = opts
	return nil
}

func TestEnsurePollSchedules(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	f := &fakePollSchedules{schedules: map[string]client.ScheduleOptions{}}
	targets := []PollTarget{{Project: "web", Repository: "https://git.example.com/acme/web.git"}, {Project: "docs", Repository: "/srv/git/docs"}}

	require.NoError(t, EnsurePollSchedules(ctx, f, targets, time.Minute, logger))
	require.Equal(t, 2, f.creates)
	require.Zero(t, f.updates)
	web := f.schedules["poll/web"]
	require.Equal(t, []client.ScheduleIntervalSpec{{Every: time.Minute}}, web.Spec.Intervals)
	action, ok := web.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	require.Equal(t, workflows.PollWorkflowName, action.Workflow)
	require.Equal(t, workflows.TaskQueue, action.TaskQueue)
	require.Equal(t, []any{workflows.PollInput{Project: "web", Repository: "https://git.example.com/acme/web.git"}}, action.Args)

	// Starting again with another interval updates the existing schedules.
	require.NoError(t, EnsurePollSchedules(ctx, f, targets, 10*time.Minute, logger))
	require.Equal(t, 4, f.creates)
	require.Equal(t, 2, f.updates)
	require.Len(t, f.schedules, 2)
	require.Equal(t, 10*time.Minute, f.schedules["poll/docs"].Spec.Intervals[0].Every)

	f.fail = errors.New("temporal unavailable")
	require.ErrorContains(t, EnsurePollSchedules(ctx, f, targets, time.Minute, logger), "create poll schedule poll/web: temporal unavailable")
}

func TestEnsurePollSchedulesWithoutTargetsCreatesNone(t *testing.T) {
	f := &fakePollSchedules{schedules: map[string]client.ScheduleOptions{}}
	require.NoError(t, EnsurePollSchedules(context.Background(), f, nil, DefaultPollInterval, slog.New(slog.DiscardHandler)))
	require.Zero(t, f.creates)
}

func TestPollConfigFromEnviron(t *testing.T) {
	tests := []struct {
		name         string
		environ      []string
		want         []PollTarget
		wantInterval time.Duration
		wantErr      string
	}{
		{name: "off by default", environ: []string{"PATH=/bin", "DROVER_POLL_TOKEN=t"}, wantInterval: DefaultPollInterval},
		{name: "projects and interval", environ: []string{
			"DROVER_POLL_WEB=https://git.example.com/acme/web.git", "DROVER_POLL_INTERVAL=90s",
			"DROVER_POLL_DOCS=/srv/git/docs", "DROVER_POLL_EMPTY=", "DROVER_POLL_TOKEN=secret"},
			want:         []PollTarget{{Project: "docs", Repository: "/srv/git/docs"}, {Project: "web", Repository: "https://git.example.com/acme/web.git"}},
			wantInterval: 90 * time.Second},
		{name: "bad interval", environ: []string{"DROVER_POLL_INTERVAL=often"}, wantErr: "DROVER_POLL_INTERVAL"},
		{name: "option-like repository", environ: []string{"DROVER_POLL_WEB=--upload-pack=x"}, wantErr: "DROVER_POLL_WEB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, interval, err := PollConfigFromEnviron(tt.environ)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantInterval, interval)
		})
	}
}
