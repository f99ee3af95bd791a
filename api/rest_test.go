package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/ledger"
)

// TestLedgerRowsKeepTheirJSON: the REST bodies that show ledger rows are
// converted from them (so their fields match, or this does not compile;
// environments and deployments, with nested artifacts, are copied field by
// field, and this catches a field left out); this pins their JSON tags
// too, every field set.
func TestLedgerRowsKeepTheirJSON(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	env := ledger.EnvironmentStatus{Project: "web", Environment: "prod", Version: "2", Since: at,
		PromotionID: "promote/web/2", Actor: "alice", PreviousVersion: "1",
		Artifacts: []ledger.DeployedArtifact{{Name: "foas", SourceRepository: "foas", SourceVersion: "abc123"}}}
	dep := ledger.Deployment{PromotionID: "promote/web/2", RunID: "r", Project: "web", Environment: "prod", Version: "2",
		Rollback: true, Result: "deployed", Actor: "alice", PreviousVersion: "1", Outputs: map[string]string{"url": "u"},
		StartedAt: at, FinishedAt: &at, Kind: "redeploy", Artifacts: env.Artifacts}
	audit := ledger.AuditEntry{Key: "k", At: at, Actor: "bob", Action: "approve", Project: "web", Target: "prod",
		Channel: "cli", Outcome: ledger.AuditRefused, Reason: "no"}
	for _, pair := range [][2]any{
		{env, restEnvironmentStatus(env)},
		{dep, restDeployment(dep)},
		{audit, rest.AuditEntry(audit)},
	} {
		want, err := json.Marshal(pair[0])
		require.NoError(t, err)
		got, err := json.Marshal(pair[1])
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(got))
	}
}
