package activities_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

func TestWaitExternal(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		want    time.Duration
	}{
		{"own timeout", 30 * time.Minute, 30 * time.Minute},
		{"default timeout", 0, activities.DefaultCallbackTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pa, store := newPromotionActivities(t)
			in := activities.ExternalCheckInput{
				PromotionID: "promote/foas/1.2",
				RunID:       "run-1",
				Environment: "staging",
				Version:     "1.2",
				Index:       1,
				Check:       pipeline.ExternalCheck{Name: "ci/e2e", Timeout: pipeline.Duration(tt.timeout)},
			}
			err := execute(context.Background(), t, pa, pa.WaitExternal, in, nil)
			require.True(t, errors.Is(err, activity.ErrResultPending), "want pending, got %v", err)

			saved := store.get()
			require.Len(t, saved, 1)
			require.Equal(t, activities.CallbackExternal, saved[0].Kind)
			require.Equal(t, "promote/foas/1.2", saved[0].PromotionID)
			require.Equal(t, "staging", saved[0].Environment)
			require.NotEmpty(t, saved[0].TaskToken)
			require.Equal(t, tt.want, saved[0].ExpiresAt.Sub(saved[0].CreatedAt))

			log := readKey(t, pa, "promotions/promote%2Ffoas%2F1.2/run-1/staging/verify-1.log")
			require.Contains(t, log, "waiting for ci/e2e until ")
			require.Contains(t, log, "POST https://drover.example.com/api/v1/callbacks/"+saved[0].Token+" ")
		})
	}
}

func TestWaitExternalStoreFailureIsRetryable(t *testing.T) {
	pa, store := newPromotionActivities(t)
	store.err = errStore
	err := execute(context.Background(), t, pa, pa.WaitExternal, activities.ExternalCheckInput{
		PromotionID: "promote/foas/1.2", Environment: "staging", Version: "1.2",
	}, nil)
	appErr := appError(t, err)
	require.False(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "store unavailable")
}

// TestWaitExternalChecksLogUnderTheirOwnIndex: two external checks of one
// environment each write their own log (verify-<index>), naming their check.
func TestWaitExternalChecksLogUnderTheirOwnIndex(t *testing.T) {
	pa, store := newPromotionActivities(t)
	for i, name := range []string{"ci/e2e", "ci/perf"} {
		err := execute(context.Background(), t, pa, pa.WaitExternal, activities.ExternalCheckInput{
			PromotionID: "promote/foas/1.2", RunID: "run-1", Environment: "staging", Version: "1.2", Index: i,
			Check: pipeline.ExternalCheck{Name: name},
		}, nil)
		require.True(t, errors.Is(err, activity.ErrResultPending), "want pending, got %v", err)
	}
	saved := store.get()
	require.Len(t, saved, 2)
	for i, name := range []string{"ci/e2e", "ci/perf"} {
		log := readKey(t, pa, "promotions/promote%2Ffoas%2F1.2/run-1/staging/verify-"+strconv.Itoa(i)+".log")
		require.Contains(t, log, "(check "+strconv.Itoa(i)+"): waiting for "+name+" until ")
		require.Contains(t, log, saved[i].Token)
		require.NotContains(t, log, saved[1-i].Token)
	}
}
