package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/ledger/ledgertest"
)

func TestShellDeployWaitsForAnEarlierAttemptsLease(t *testing.T) {
	l := ledgertest.Open(t, ledgertest.SQLiteDSN(t))
	pa, _ := newPromotionActivities(t)
	pa.Fence, pa.DeployLeaseTTL = l, 2*time.Second
	ran := filepath.Join(t.TempDir(), "ran")
	in := deployInput("echo deployed > " + ran)

	// An earlier attempt (on a worker cut off from Temporal) still holds it.
	ok, err := l.TakeDeployLease(context.Background(), "foas", "staging", "earlier-attempt", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	var res activities.DeployResult
	err = execute(context.Background(), t, pa, pa.Deploy, in, &res)
	require.ErrorContains(t, err, activities.ErrDeployFenced)
	_, statErr := os.Stat(ran)
	require.True(t, os.IsNotExist(statErr), "the fenced attempt ran its script")

	// Once released, the deploy runs and gives the lease up after.
	require.NoError(t, l.ReleaseDeployLease(context.Background(), "foas", "staging", "earlier-attempt"))
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	b, err := os.ReadFile(ran)
	require.NoError(t, err)
	require.Equal(t, "deployed\n", string(b))
	ok, err = l.TakeDeployLease(context.Background(), "foas", "staging", "next", time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "the deploy released its lease")
}

// stealingFence hands the lease to someone else after the first renewal.
type stealingFence struct {
	*ledger.Ledger
	calls int
}

func (f *stealingFence) TakeDeployLease(ctx context.Context, project, env, holder string, ttl time.Duration) (bool, error) {
	f.calls++
	if f.calls > 1 {
		return false, nil
	}
	return f.Ledger.TakeDeployLease(ctx, project, env, holder, ttl)
}

func TestShellDeployThatLosesItsLeaseIsKilled(t *testing.T) {
	l := ledgertest.Open(t, ledgertest.SQLiteDSN(t))
	pa, _ := newPromotionActivities(t)
	pa.Fence, pa.DeployLeaseTTL = &stealingFence{Ledger: l}, 400*time.Millisecond
	done := filepath.Join(t.TempDir(), "done")
	in := deployInput("sleep 10; echo finished > " + done)
	var res activities.DeployResult
	err := execute(context.Background(), t, pa, pa.Deploy, in, &res)
	require.Error(t, err)
	// Deploy returns once the script is dead: had it not been killed, it
	// would have finished.
	_, statErr := os.Stat(done)
	require.True(t, os.IsNotExist(statErr), "the script was not stopped")
	require.Contains(t, readKey(t, pa, "promotions/promote%2Ffoas%2F1.2/run-1/staging/deploy.log"), "deploy lease lost")
}
