package activities_test

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/internal/syncbuf"
	"github.com/drover-ci/drover/ledger"
)

func TestLedgerWriteFailuresAreLoggedAtError(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"RecordBuildStarted", ledger.Build{ID: "build/foas/abc"}, "record build build/foas/abc started"},
		{"RecordBuildFinished", activities.RecordBuildFinishedInput{Build: ledger.Build{ID: "build/foas/abc"}}, "record build build/foas/abc finished"},
		{"RecordPromotion", ledger.Promotion{ID: "promote/foas/1", Status: "running"}, "record promotion promote/foas/1"},
		{"PutPendingApproval", ledger.PendingApproval{PromotionID: "promote/foas/1", Environment: "prod"}, "put pending approval of promote/foas/1/prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			a := &activities.LedgerActivities{Ledger: failingRecorder{err: errors.New("connection refused")},
				Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			err := executeByName(t, a, tt.name, tt.in)
			require.ErrorContains(t, err, tt.want)
			out := logs.String()
			require.Contains(t, out, "level=ERROR")
			require.Contains(t, out, `msg="Ledger write failed, will be retried."`)
			require.Contains(t, out, "write="+tt.name)
			require.Contains(t, out, "attempt=1")
			require.Contains(t, out, "connection refused")
		})
	}
}
