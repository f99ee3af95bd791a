package contracts_test

import (
	"encoding/json"
	"go/build"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
)

// TestContractsIsALeaf keeps the package importable by the CLI without
// Temporal, AWS or Slack: only the standard library, pipeline and decision
// (signed proofs, itself only the standard library).
func TestContractsIsALeaf(t *testing.T) {
	for _, dir := range []string{".", "../decision"} {
		pkg, err := build.ImportDir(dir, build.ImportComment)
		require.NoError(t, err)
		for _, path := range pkg.Imports {
			if dir == "." && (path == "github.com/drover-ci/drover/pipeline" || path == "github.com/drover-ci/drover/decision") {
				continue
			}
			first, _, _ := strings.Cut(path, "/")
			require.NotContains(t, first, ".", "%s imports %s: it may import only the standard library, pipeline and decision", dir, path)
		}
	}
}

// TestIDs pins the workflow and schedule IDs: running workflows and the
// ledger know them.
func TestIDs(t *testing.T) {
	require.Equal(t, "build/web/abc", contracts.BuildID("web", "abc"))
	require.Equal(t, "build/web/abc", contracts.BuildIDWithInputs("web", "abc", ""))
	require.Equal(t, "build/web/abc/0a1b2c3d4e5f", contracts.BuildIDWithInputs("web", "abc", "0a1b2c3d4e5f"))
	require.Equal(t, "0a1b2c3d4e5f", contracts.BuildInputsKey("build/web/abc/0a1b2c3d4e5f", "web", "abc"))
	require.Empty(t, contracts.BuildInputsKey("build/web/abc", "web", "abc"))
	require.Equal(t, "promote/web/1.2", contracts.PromotionID("web", "1.2"))
	require.Equal(t, "env/web/prod", contracts.EnvironmentID("web", "prod"))
	require.Equal(t, "poll/web", contracts.PollScheduleID("web"))
}

// TestEnvironmentStartJSON pins what EnterEnvironment starts an Environment
// workflow with: an EnvironmentInput without State has only the two fields.
func TestEnvironmentStartJSON(t *testing.T) {
	b, err := json.Marshal(contracts.EnvironmentInput{Project: "web", Environment: "prod"})
	require.NoError(t, err)
	require.JSONEq(t, `{"project":"web","environment":"prod"}`, string(b))
}

// TestLockRequestJSON pins the payload of the lock signals.
func TestLockRequestJSON(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := json.Marshal(contracts.LockRequest{PromotionID: "promote/web/1", RunID: "r", Version: "1", At: at})
	require.NoError(t, err)
	require.JSONEq(t, `{"promotion_id":"promote/web/1","run_id":"r","version":"1","at":"2026-01-02T03:04:05Z"}`, string(b))
}

func TestForgeLogin(t *testing.T) {
	for who, want := range map[string]string{"github:alice": "alice", "gitlab:Bob.W": "Bob.W", "forgejo:c": "c"} {
		login, ok := contracts.ForgeLogin(who)
		require.True(t, ok, who)
		require.Equal(t, want, login)
	}
	for _, who := range []string{"alice", "api", "web", "github:", "drover-poll", "chain:build/x/y", "bitbucket:alice"} {
		_, ok := contracts.ForgeLogin(who)
		require.False(t, ok, who)
	}
}
