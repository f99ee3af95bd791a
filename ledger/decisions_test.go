package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sampleDecision(environment, actor string, approve bool, at time.Time) Decision {
	return Decision{
		PromotionID: "promote/foas/1.0.0", RunID: "run-1", Project: "foas", Version: "1.0.0",
		Environment: environment, Actor: actor, Approve: approve, Channel: "web", Comment: "lgtm", At: at,
	}
}

func TestRecordDecisionIdempotent(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		d := sampleDecision("prod", "alice", true, at(0))
		require.NoError(t, l.RecordDecision(ctx, d))
		require.NoError(t, l.RecordDecision(ctx, d))
		changed := d
		changed.Approve, changed.Comment, changed.At = false, "changed my mind", at(time.Hour)
		require.NoError(t, l.RecordDecision(ctx, changed))

		got, err := l.ListDecisions(ctx, d.PromotionID)
		require.NoError(t, err)
		want := d
		want.At = normTime(at(0))
		require.Equal(t, []Decision{want}, got, "an actor's decision on a gate is recorded once")
	})
}

func TestListDecisions(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		m := time.Minute
		for _, d := range []Decision{
			sampleDecision("prod", "carol", false, at(3*m)),
			sampleDecision("staging", "bob", true, at(m)),
			sampleDecision("prod", "alice", true, at(2*m)),
			sampleDecision("prod", "bob", true, at(2*m)),
		} {
			require.NoError(t, l.RecordDecision(ctx, d))
		}
		other := sampleDecision("prod", "alice", true, at(0))
		other.PromotionID = "promote/foas/2.0.0"
		require.NoError(t, l.RecordDecision(ctx, other))

		got, err := l.ListDecisions(ctx, "promote/foas/1.0.0")
		require.NoError(t, err)
		var who []string
		for _, d := range got {
			who = append(who, d.Environment+"/"+d.Actor)
			require.Equal(t, "promote/foas/1.0.0", d.PromotionID)
		}
		require.Equal(t, []string{"staging/bob", "prod/alice", "prod/bob", "prod/carol"}, who)
		require.False(t, got[3].Approve)
		require.True(t, got[0].Approve)

		none, err := l.ListDecisions(ctx, "promote/none/1")
		require.NoError(t, err)
		require.Empty(t, none)
	})
}

func TestRecordDecisionRejectsIncomplete(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		for _, unset := range []func(*Decision){
			func(d *Decision) { d.PromotionID = "" },
			func(d *Decision) { d.RunID = "" },
			func(d *Decision) { d.Environment = "" },
			func(d *Decision) { d.Actor = "" },
		} {
			d := sampleDecision("prod", "alice", true, at(0))
			unset(&d)
			require.Error(t, l.RecordDecision(ctx, d), "%+v", d)
		}
		require.Equal(t, 0, countRows(t, l, "decisions"))
	})
}
