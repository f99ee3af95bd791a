package activities

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/drover-ci/drover/logstore"
)

// WaitExternal waits for an outside verifier: it stores a one-time callback
// token (valid for the check's timeout, DefaultCallbackTimeout when unset),
// writes the callback URL into the check's log — the verifier learns it there
// or from the promotion page, so the log holds this capability — and returns
// activity.ErrResultPending. The API completes the activity with a
// CheckResult, or a CheckFailed error, when the verifier reports.
func (a *PromotionActivities) WaitExternal(ctx context.Context, in ExternalCheckInput) (CheckResult, error) {
	timeout := time.Duration(in.Check.Timeout)
	if timeout <= 0 {
		timeout = DefaultCallbackTimeout
	}
	key := logstore.PromotionKey(in.PromotionID, runIDOr(ctx, in.RunID), in.Environment, "verify-"+strconv.Itoa(in.Index))
	what := fmt.Sprintf("verify %s in %s (check %d)", in.Version, in.Environment, in.Index)
	token, err := a.createCallback(ctx, CallbackExternal, in.PromotionID, in.Environment, timeout, ErrTypeCheckFailed)
	if err != nil {
		return CheckResult{}, err
	}
	log, err := a.Tasks.Logs.Writer(key)
	if err != nil {
		return CheckResult{}, fmt.Errorf("%s: %w", what, err)
	}
	name := in.Check.Name
	if name == "" {
		name = "external verifier"
	}
	log.Printf("=== %s: waiting for %s until %s ===", what, name, time.Now().Add(timeout).UTC().Format(time.RFC3339))
	log.Printf("=== report with: POST %s {\"status\":\"success\"|\"failure\",\"message\":\"...\"} ===", a.callbackURL(token))
	if err := log.Close(); err != nil {
		return CheckResult{}, fmt.Errorf("%s: %w", what, err)
	}
	return CheckResult{}, activity.ErrResultPending
}
