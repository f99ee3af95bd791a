package activities

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// maxCheckBody is how much of a response body an HTTP check reads.
const maxCheckBody = 1 << 20

// CheckHTTP polls the check's URL every Interval, each request bounded by
// Timeout, until it answers with the expected status (and, when set, a body
// containing Body). When Within has passed without such an answer it fails
// with a non-retryable CheckFailed error describing the last one. It
// heartbeats between polls and stops when the activity is cancelled.
//
// A check with urls or dns polls every instance that way, in parallel (see
// checkInstances); a check with url keeps the single-URL path below.
func (a *PromotionActivities) CheckHTTP(ctx context.Context, in HTTPCheckInput) (CheckResult, error) {
	c := in.Check.WithDefaults()
	if c.URL == "" && (c.URLs != nil || c.DNS != nil) {
		return a.checkInstances(ctx, c)
	}
	within, interval := time.Duration(c.Within), time.Duration(c.Interval)
	target := safeURL(c.URL)
	deadline := time.Now().Add(within)
	for attempts := 1; ; attempts++ {
		got, ok := a.probe(ctx, c.Method, c.URL, c.Status, c.Body, time.Duration(c.Timeout))
		if ok {
			return CheckResult{Detail: fmt.Sprintf("%s %s: got %d", c.Method, target, c.Status), Attempts: attempts}, nil
		}
		if ctx.Err() != nil {
			return CheckResult{Attempts: attempts}, fmt.Errorf("%s %s: cancelled: %w", c.Method, target, ctx.Err())
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			msg := fmt.Sprintf("%s %s: %s, want %d (after %d attempts in %s)", c.Method, target, got, c.Status, attempts, within)
			return CheckResult{}, temporal.NewNonRetryableApplicationError(msg, ErrTypeCheckFailed, nil,
				CheckResult{Detail: msg, Attempts: attempts})
		}
		activity.RecordHeartbeat(ctx, attempts)
		t := time.NewTimer(min(interval, remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			return CheckResult{Attempts: attempts}, fmt.Errorf("%s %s: cancelled: %w", c.Method, target, ctx.Err())
		case <-t.C:
		}
	}
}

// probe sends one request and reports whether it got the wanted answer,
// and otherwise what it got instead ("got 503", "connection refused", ...).
func (a *PromotionActivities) probe(ctx context.Context, method, target string, status int, body string, timeout time.Duration) (string, bool) {
	return probeWith(ctx, a.httpClient(), "", method, target, status, body, timeout)
}

// probeWith is probe through client, with host (when set) as the request's
// Host header.
func probeWith(ctx context.Context, client *http.Client, host, method, target string, status int, body string, timeout time.Duration) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return urlErrorCause(err).Error(), false
	}
	req.Header.Set("User-Agent", "drover-check")
	if host != "" {
		req.Host = host
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Sprintf("no answer within %s", timeout), false
		}
		return urlErrorCause(err).Error(), false
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCheckBody))
	switch {
	case resp.StatusCode != status:
		return fmt.Sprintf("got %d", resp.StatusCode), false
	case err != nil:
		return fmt.Sprintf("got %d, reading the body: %v", resp.StatusCode, err), false
	case body != "" && !strings.Contains(string(b), body):
		return fmt.Sprintf("got %d without %q in the body", resp.StatusCode, body), false
	}
	return "", true
}
