package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
)

func TestEnterEnvironmentSignalsWithStart(t *testing.T) {
	tests := []struct {
		name      string
		taskQueue string
		err       error
		wantQueue string
	}{
		{"default queue", "", nil, "drover"},
		{"own queue", "deploys", nil, "deploys"},
		{"client fails", "", errors.New("unavailable"), "drover"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pa, _ := newPromotionActivities(t)
			tc := &fakeTemporal{err: tt.err}
			pa.Temporal, pa.TaskQueue = tc, tt.taskQueue
			req := activities.LockRequest{PromotionID: "promote/foas/1.2", RunID: "run-1", Version: "1.2",
				Policy: "fifo", At: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
			in := activities.EnterEnvironmentInput{Project: "foas", Environment: "prod", Request: req}

			err := execute(context.Background(), t, pa, pa.EnterEnvironment, in, nil)
			if tt.err != nil {
				require.ErrorContains(t, err, "enter environment env/foas/prod with promote/foas/1.2: unavailable")
			} else {
				require.NoError(t, err)
			}
			require.Len(t, tc.calls, 1)
			call := tc.calls[0]
			require.Equal(t, "env/foas/prod", call.WorkflowID)
			require.Equal(t, activities.SignalArrive, call.Signal)
			require.Equal(t, req, call.Arg)
			require.Equal(t, "env/foas/prod", call.Options.ID)
			require.Equal(t, tt.wantQueue, call.Options.TaskQueue)
			require.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, call.Options.WorkflowIDConflictPolicy)
			require.Equal(t, "Environment", call.Workflow)
			require.Equal(t, []any{contracts.EnvironmentInput{Project: "foas", Environment: "prod"}}, call.Args)
			b, err := json.Marshal(call.Args[0])
			require.NoError(t, err)
			require.JSONEq(t, `{"project":"foas","environment":"prod"}`, string(b))
		})
	}
}

func TestAcquireEnvironmentAsksTheLockWithAnUpdate(t *testing.T) {
	req := activities.LockRequest{PromotionID: "promote/foas/1.2", RunID: "run-1", Version: "1.2",
		Policy: "fifo", At: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	in := activities.AcquireEnvironmentInput{Project: "foas", Environment: "prod", Request: req}
	tests := []struct {
		name      string
		answer    activities.LockAnswer
		err       error
		wantErr   string
		retryable bool
	}{
		{name: "granted", answer: activities.LockAnswer{Grant: &activities.LockGrant{Environment: "prod", Previous: "1.1"}}},
		{name: "queued", answer: activities.LockAnswer{Queued: true}},
		{name: "no environment workflow", err: serviceerror.NewNotFound("workflow not found"),
			wantErr: "acquire environment env/foas/prod for promote/foas/1.2: workflow not found"},
		{name: "refused by the workflow", err: temporal.NewApplicationError("bad request", contracts.ErrTypeBadLockRequest),
			wantErr: "acquire environment env/foas/prod for promote/foas/1.2: bad request"},
		{name: "unknown to an older worker", err: temporal.NewApplicationError("unknown update acquire", ""),
			wantErr: "acquire environment env/foas/prod for promote/foas/1.2: unknown update acquire", retryable: true},
		{name: "server unavailable", err: serviceerror.NewUnavailable("try again"),
			wantErr: "acquire environment env/foas/prod for promote/foas/1.2: try again", retryable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pa, _ := newPromotionActivities(t)
			tc := &fakeTemporal{err: tt.err, answer: tt.answer}
			pa.Temporal = tc
			var got activities.LockAnswer
			err := execute(context.Background(), t, pa, pa.AcquireEnvironment, in, &got)
			require.Len(t, tc.updates, 1)
			u := tc.updates[0]
			require.Equal(t, "env/foas/prod", u.WorkflowID)
			require.Equal(t, contracts.UpdateAcquire, u.UpdateName)
			require.Equal(t, "acquire/promote/foas/1.2/run-1/prod", u.UpdateID, "a retry is the same update")
			require.Equal(t, []any{req}, u.Args)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, tt.answer, got)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, err, &appErr)
			require.Equal(t, !tt.retryable, appErr.NonRetryable())
		})
	}
}
