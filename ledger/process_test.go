package ledger

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// helperDSNEnv makes the test binary act as a separate ledger process; see
// TestLedgerHelperProcess.
const helperDSNEnv = "DROVER_LEDGER_HELPER_DSN"

// TestLedgerHelperProcess is not a test: run by TestSeparateProcesses in a child
// process, it opens the ledger and records one build, as a worker would.
func TestLedgerHelperProcess(t *testing.T) {
	dsn := os.Getenv(helperDSNEnv)
	if dsn == "" {
		t.Skip("helper process only")
	}
	ctx := context.Background()
	l, err := Open(ctx, dsn)
	require.NoError(t, err)
	defer l.Close()
	b := Build{ID: "b", RunID: os.Getenv("DROVER_LEDGER_HELPER_RUN"), Project: "p", StartedAt: at(0)}
	require.NoError(t, l.RecordBuildStarted(ctx, b))
	b.Status = "succeeded"
	require.NoError(t, l.RecordBuildFinished(ctx, b, []Task{{Stage: "s", Name: "t", Status: "succeeded"}}))
}

// TestSeparateProcesses opens one fresh ledger from several processes at once,
// like a worker and an API process starting together.
func TestSeparateProcesses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		const n = 3
		outs := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				cmd := exec.Command(os.Args[0], "-test.run=^TestLedgerHelperProcess$", "-test.count=1")
				cmd.Env = append(os.Environ(), helperDSNEnv+"="+dsn, fmt.Sprintf("DROVER_LEDGER_HELPER_RUN=run-%d", i))
				outs[i], errs[i] = cmd.CombinedOutput()
			})
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i], "process %d:\n%s", i, outs[i])
		}
		l := openTestLedger(t, dsn)
		builds, err := l.ListBuilds(context.Background(), BuildFilter{Status: "succeeded"})
		require.NoError(t, err)
		require.Len(t, builds, n)
		require.Equal(t, n, countRows(t, l, "tasks"))
	})
}
