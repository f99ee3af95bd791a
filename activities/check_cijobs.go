package activities

import (
	"context"
	"fmt"
	"sync"
	"time"
)

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
