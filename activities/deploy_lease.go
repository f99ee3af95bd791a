package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/drover-ci/drover/logstore"
)

// DefaultDeployLeaseTTL is how long a shell deploy's lease lasts without
// renewal: a retry of a deploy whose worker died waits this long at most.
const DefaultDeployLeaseTTL = 10 * time.Second

// DeployFence keeps the lease that lets one deploy attempt at a time run in
// an environment (the ledger implements it). TakeDeployLease takes or renews
// holder's lease and returns false while another holder's has not expired.
type DeployFence interface {
	TakeDeployLease(ctx context.Context, project, environment, holder string, ttl time.Duration) (bool, error)
	ReleaseDeployLease(ctx context.Context, project, environment, holder string) error
}

// ErrDeployFenced is the message of the retryable error of a deploy attempt
// that found another attempt still holding the environment's lease.
const ErrDeployFenced = "an earlier attempt still holds the environment's deploy lease"

// withDeployLease runs fn under the environment's deploy lease, named after
// this activity attempt: an attempt retried while the previous one still runs
// (its worker cut off from Temporal, say) waits for the previous one's lease
// to expire, and an attempt that loses its lease has its context cancelled,
// which kills its script. Without a Fence fn just runs.
func (a *PromotionActivities) withDeployLease(ctx context.Context, in DeployInput, log *logstore.LineWriter, fn func(ctx context.Context) error) error {
	if a.Fence == nil {
		return fn(ctx)
	}
	ttl := a.DeployLeaseTTL
	if ttl <= 0 {
		ttl = DefaultDeployLeaseTTL
	}
	info := activity.GetInfo(ctx)
	holder := fmt.Sprintf("%s/%s/%s#%d", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityID, info.Attempt)
	ok, err := a.Fence.TakeDeployLease(ctx, in.Project, in.Environment, holder, ttl)
	if err != nil {
		return fmt.Errorf("%s: %w", deployWhat(in), err)
	}
	if !ok {
		log.Printf("=== waiting: %s ===", ErrDeployFenced)
		return fmt.Errorf("%s: %s", deployWhat(in), ErrDeployFenced)
	}
	defer func() {
		if err := a.Fence.ReleaseDeployLease(context.WithoutCancel(ctx), in.Project, in.Environment, holder); err != nil {
			a.logger().Warn("Release deploy lease failed.", "error", err)
		}
	}()
	leased, lose := context.WithCancel(ctx)
	defer lose()
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(ttl / 4)
		defer t.Stop()
		renewed := time.Now()
		for {
			select {
			case <-done:
				return
			case <-leased.Done():
				return
			case <-t.C:
			}
			ok, err := a.Fence.TakeDeployLease(leased, in.Project, in.Environment, holder, ttl)
			switch {
			case err == nil && ok:
				renewed = time.Now()
			case err == nil || time.Since(renewed) > ttl/2:
				// Another attempt holds the lease, or it may expire before
				// it can be renewed: stop before the next attempt starts.
				log.Printf("=== deploy lease lost: stopping this attempt ===")
				lose()
				return
			}
		}
	}()
	err = fn(leased)
	close(done)
	<-stopped
	return err
}
