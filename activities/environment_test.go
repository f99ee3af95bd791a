package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

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
