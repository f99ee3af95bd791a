package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRecordAuditAndList(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		entries := []AuditEntry{
			{At: at(0), Actor: "mallory", Action: "promote", Project: "hello", Target: "prod",
				Channel: "api", Reason: "mallory lacks role promote on project hello"},
			{At: at(time.Minute), Actor: "carol", Action: "cancel", Project: "webapp",
				Target: "build/webapp/abc", Channel: "web", Reason: "carol lacks role build on project webapp"},
			{At: at(time.Minute), Actor: "alice", Action: "secret.set", Project: "hello", Target: "TOKEN",
				Channel: "cli", Outcome: AuditAllowed},
		}
		for _, e := range entries {
			require.NoError(t, l.RecordAudit(ctx, e))
		}

		all, err := l.ListAudit(ctx, AuditQuery{})
		require.NoError(t, err)
		require.Len(t, all, 3)
		require.Equal(t, "alice", all[0].Actor, "newest first")
		require.Equal(t, "mallory", all[2].Actor)
		require.Equal(t, AuditRefused, all[2].Outcome, "an empty outcome is a refusal")
		require.Equal(t, AuditAllowed, all[0].Outcome)
		require.Equal(t, normTime(at(0)), all[2].At)
		require.Equal(t, "mallory lacks role promote on project hello", all[2].Reason)

		hello, err := l.ListAudit(ctx, AuditQuery{Project: "hello"})
		require.NoError(t, err)
		require.Len(t, hello, 2)
		for _, e := range hello {
			require.Equal(t, "hello", e.Project)
		}

		one, err := l.ListAudit(ctx, AuditQuery{Limit: 1})
		require.NoError(t, err)
		require.Len(t, one, 1)
		require.Equal(t, "alice", one[0].Actor)
	})
}

func TestRecordAuditIdempotentByKey(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		e := AuditEntry{Key: "promote/hello/1/prod/decide-1", Actor: "mallory", Action: "approve",
			Project: "hello", Target: "prod", Channel: "temporal", Reason: "unsigned decision"}
		require.NoError(t, l.RecordAudit(ctx, e))
		again := e
		again.Reason = "changed"
		require.NoError(t, l.RecordAudit(ctx, again))
		unkeyed := e
		unkeyed.Key = ""
		require.NoError(t, l.RecordAudit(ctx, unkeyed))
		require.NoError(t, l.RecordAudit(ctx, unkeyed))

		got, err := l.ListAudit(ctx, AuditQuery{Project: "hello"})
		require.NoError(t, err)
		require.Len(t, got, 3, "one keyed entry and two unkeyed ones")
		require.Equal(t, "unsigned decision", got[2].Reason)
		require.Equal(t, "promote/hello/1/prod/decide-1", got[2].Key)
	})
}

func TestRecordAuditRejectsEmptyAction(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		require.Error(t, l.RecordAudit(context.Background(), AuditEntry{Actor: "x"}))
	})
}
