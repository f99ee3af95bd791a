package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRecordAndListDeliveries(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		fixedClock(l, at(time.Hour))
		failed := Delivery{
			WorkflowID: "build/foas/abc", RunID: "r1", Sink: "webhook hooks.example.com/in",
			Event: "BUILD_SUCCESS", DeliveryID: "build/foas/abc/r1/3/ab12", Attempt: 1,
			Error: "webhook answered 500", At: at(0),
		}
		ok := failed
		ok.Attempt, ok.OK, ok.Error, ok.At = 2, true, "", time.Time{}
		other := Delivery{WorkflowID: "build/foas/def", RunID: "r2", Sink: "slack #builds", Event: "BUILD_START", Attempt: 1, OK: true, At: at(0)}
		require.NoError(t, l.RecordDelivery(ctx, ok))
		require.NoError(t, l.RecordDelivery(ctx, failed))
		require.NoError(t, l.RecordDelivery(ctx, other))

		got, err := l.ListDeliveries(ctx, "build/foas/abc")
		require.NoError(t, err)
		failed.At, ok.At = normTime(at(0)), normTime(at(time.Hour))
		require.Equal(t, []Delivery{failed, ok}, got)

		none, err := l.ListDeliveries(ctx, "build/none")
		require.NoError(t, err)
		require.Empty(t, none)
	})
}

func TestRecordDeliveryNeedsWorkflowAndSink(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		err := l.RecordDelivery(context.Background(), Delivery{Event: "BUILD_START"})
		require.ErrorContains(t, err, "required")
	})
}
