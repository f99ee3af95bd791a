package activities

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/logstore"
)

// ciCheckLog is the log of one CI-job check and how the check names itself
// and fails.
type ciCheckLog struct {
	key, what string
	log       *logstore.LineWriter
	a         *PromotionActivities
}

// openCheckLog opens the log of check index of an environment's verify
// list ("verify-<index>", as every check's).
func (a *PromotionActivities) openCheckLog(ctx context.Context, promotionID, runID, project, version, env string, index int) (*ciCheckLog, error) {
	cl := &ciCheckLog{a: a,
		key:  logstore.PromotionKey(promotionID, runIDOr(ctx, runID), env, "verify-"+strconv.Itoa(index)),
		what: fmt.Sprintf("verify %s %s in %s (check %d)", project, version, env, index)}
	log, err := a.Tasks.Logs.Writer(cl.key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cl.what, err)
	}
	cl.log = log
	return cl, nil
}

func (cl *ciCheckLog) close() {
	if err := cl.log.Close(); err != nil {
		cl.a.logger().Warn("Close check log failed.", "error", err, "log_key", cl.key)
	}
}

// fail logs msg and returns it as the check's non-retryable failure.
func (cl *ciCheckLog) fail(msg string) error {
	cl.log.Printf("=== %s ===", msg)
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeCheckFailed, nil, CheckResult{Detail: msg, Attempts: 1, LogKey: cl.key})
}

// ciJob is what a CI-job check (jenkins, github_actions, gitlab) waited for:
// a Jenkins build, a workflow run, a pipeline.
type ciJob interface {
	fmt.Stringer
	succeeded() bool
}

// awaitCIJobs runs run for every name at once (each triggers its job and
// waits for it to end) and sums up: passed holds the jobs that succeeded,
// failures the others, each with why (an error, not finished within
// timeout once ctx has run out, or its result).
func awaitCIJobs[J ciJob](ctx context.Context, timeout time.Duration, names []string, run func(context.Context, string) (J, error)) (passed, failures []string) {
	jobs := make([]J, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { jobs[i], errs[i] = run(ctx, name) })
	}
	wg.Wait()
	for i, j := range jobs {
		switch {
		case errs[i] != nil && ctx.Err() != nil:
			failures = append(failures, fmt.Sprintf("%s: not finished after %s", j, timeout))
		case errs[i] != nil:
			failures = append(failures, fmt.Sprintf("%s: %v", j, errs[i]))
		case !j.succeeded():
			failures = append(failures, j.String())
		default:
			passed = append(passed, j.String())
		}
	}
	return passed, failures
}
