package activities

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/pipeline"
)

// instanceResult is how one instance of an http check ended.
type instanceResult struct {
	index    int
	url      string // safe to show: no credentials, no query
	passed   bool
	got      string // the last answer when not passed ("got 503", ...)
	attempts int
	stopped  bool // no longer polled: enough instances had passed
}

// checkInstances polls every instance of c (its urls, or the addresses its
// dns name resolves to now) in parallel, each as a single-URL check would,
// and passes as soon as MinPassing of them (all when unset) have passed. It
// fails with a non-retryable CheckFailed error naming each instance that did
// not pass within Within and why.
func (a *PromotionActivities) checkInstances(ctx context.Context, c pipeline.HTTPCheck) (CheckResult, error) {
	deadline := time.Now().Add(c.Within.Std())
	targets, err := a.instanceURLs(ctx, c, deadline)
	if err != nil {
		return CheckResult{}, err
	}
	need := c.MinPassing
	if need <= 0 {
		need = len(targets)
	}
	if need > len(targets) {
		addresses := "addresses"
		if len(targets) == 1 {
			addresses = "address"
		}
		msg := fmt.Sprintf("%s resolves to %d %s, want %d passing", c.DNS.Name, len(targets), addresses, need)
		return CheckResult{}, temporal.NewNonRetryableApplicationError(msg, ErrTypeCheckFailed, nil, CheckResult{Detail: msg})
	}

	client, host := a.httpClient(), ""
	if c.DNS != nil {
		client, host = a.instanceClient(c.DNS.Name), c.DNS.Name
		defer client.CloseIdleConnections()
		if c.DNS.Port != 0 {
			host = net.JoinHostPort(host, strconv.Itoa(c.DNS.Port))
		}
	}
	pollCtx, stop := context.WithCancel(ctx)
	defer stop()
	results := make(chan instanceResult, len(targets))
	for i, target := range targets {
		go func() {
			r := pollInstance(pollCtx, client, host, c, target, deadline)
			r.index, r.url = i, safeURL(target)
			results <- r
		}()
	}
	heartbeat := time.NewTicker(c.Interval.Std())
	defer heartbeat.Stop()
	outcomes := make([]instanceResult, len(targets))
	passed := 0
	for done := 0; done < len(targets); {
		select {
		case r := <-results:
			outcomes[r.index] = r
			done++
			if r.passed {
				passed++
			}
			if passed >= need {
				stop() // enough passed: the others need not be waited for
			}
		case <-heartbeat.C:
			activity.RecordHeartbeat(ctx, passed)
		}
	}
	attempts := 0
	for _, r := range outcomes {
		attempts = max(attempts, r.attempts)
		got := r.got
		if r.passed {
			got = fmt.Sprintf("got %d", c.Status)
		}
		activity.GetLogger(ctx).Info("http check instance", "url", r.url, "passed", r.passed,
			"result", got, "attempts", r.attempts, "stopped", r.stopped)
	}
	if passed < need && ctx.Err() != nil {
		return CheckResult{Attempts: attempts}, fmt.Errorf("%s: cancelled: %w", instancesName(c), ctx.Err())
	}
	if passed >= need {
		return CheckResult{Detail: instancesDetail(c, outcomes, passed, need), Attempts: attempts}, nil
	}
	msg := instancesDetail(c, outcomes, passed, need)
	return CheckResult{}, temporal.NewNonRetryableApplicationError(msg, ErrTypeCheckFailed, nil,
		CheckResult{Detail: msg, Attempts: attempts})
}

// instanceClient is the client that polls the addresses of name: requests
// carry Host: name, and https ones verify the certificate for name (and
// send it as TLS server name), as a client asking for name would.
func (a *PromotionActivities) instanceClient(name string) *http.Client {
	base := a.httpClient()
	var transport *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		transport = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		transport = t.Clone()
	default: // a test's round tripper: used as it is
		return base
	}
	if transport.TLSClientConfig == nil {
		transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	transport.TLSClientConfig.ServerName = name
	client := *base
	client.Transport = transport
	return &client
}

// pollInstance polls one instance until it passes, Within has passed or ctx
// ends.
func pollInstance(ctx context.Context, client *http.Client, host string, c pipeline.HTTPCheck, target string, deadline time.Time) instanceResult {
	last := "not answered yet"
	for attempts := 1; ; attempts++ {
		got, ok := probeWith(ctx, client, host, c.Method, target, c.Status, c.Body, c.Timeout.Std())
		if ok {
			return instanceResult{passed: true, attempts: attempts}
		}
		if ctx.Err() != nil { // the request was cut short: keep the answer before it
			return instanceResult{got: last, attempts: attempts - 1, stopped: true}
		}
		last = got
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return instanceResult{got: got, attempts: attempts}
		}
		t := time.NewTimer(min(c.Interval.Std(), remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			return instanceResult{got: got, attempts: attempts, stopped: true}
		case <-t.C:
		}
	}
}

// instanceURLs returns the URLs of c's instances: its urls, or one URL per
// address its dns name resolves to, looked up (again every Interval while
// it fails) until Within has passed. A name resolving to more than
// pipeline.MaxHTTPInstances addresses fails the check: the check polls a
// bounded number of instances, and passing over some would not be "all".
func (a *PromotionActivities) instanceURLs(ctx context.Context, c pipeline.HTTPCheck, deadline time.Time) ([]string, error) {
	if c.DNS == nil {
		if len(c.URLs) == 0 || len(c.URLs) > pipeline.MaxHTTPInstances { // drover.yaml refuses these
			msg := fmt.Sprintf("an http check polls 1 to %d urls, not %d", pipeline.MaxHTTPInstances, len(c.URLs))
			return nil, temporal.NewNonRetryableApplicationError(msg, ErrTypeCheckFailed, nil, CheckResult{Detail: msg})
		}
		return c.URLs, nil
	}
	lookup := a.LookupHost
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	name := c.DNS.Name
	for attempts := 1; ; attempts++ {
		lookupCtx, cancel := context.WithTimeout(ctx, c.Timeout.Std())
		addrs, err := lookup(lookupCtx, name)
		cancel()
		if err == nil && len(addrs) == 0 {
			err = errors.New("no addresses")
		}
		if err == nil {
			slices.Sort(addrs)
			addrs = slices.Compact(addrs)
			if len(addrs) > pipeline.MaxHTTPInstances {
				msg := fmt.Sprintf("%s resolves to %d addresses, more than the %d an http check polls", name, len(addrs), pipeline.MaxHTTPInstances)
				return nil, temporal.NewNonRetryableApplicationError(msg, ErrTypeCheckFailed, nil, CheckResult{Detail: msg, Attempts: attempts})
			}
			urls := make([]string, len(addrs))
			for i, addr := range addrs {
				urls[i] = c.DNS.URL(addr)
			}
			return urls, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("resolve %s: cancelled: %w", name, ctx.Err())
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			msg := fmt.Sprintf("resolve %s: %v (after %d attempts in %s)", name, err, attempts, c.Within)
			return nil, temporal.NewNonRetryableApplicationError(msg, ErrTypeCheckFailed, nil, CheckResult{Detail: msg, Attempts: attempts})
		}
		activity.RecordHeartbeat(ctx, attempts)
		t := time.NewTimer(min(c.Interval.Std(), remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("resolve %s: cancelled: %w", name, ctx.Err())
		case <-t.C:
		}
	}
}

// instancesName names what an instances check polls: its dns name, or "urls".
func instancesName(c pipeline.HTTPCheck) string {
	if c.DNS != nil {
		return c.DNS.Name
	}
	return "urls"
}

// instancesDetail sums the instances up. Passed: "foas.internal: 2 of 3
// instances passed (want 2): http://10.0.0.1:8080/healthz,
// http://10.0.0.2:8080/healthz; not passing: http://10.0.0.3:8080/healthz:
// got 503 (4 attempts) (GET, want 200 within 1m)"; failed, those that did
// not pass first: "2 of 3 instances passed, want 3: http://10.0.0.3:8080/healthz:
// got 503 (12 attempts); passed: http://10.0.0.1:8080/healthz, ...".
func instancesDetail(c pipeline.HTTPCheck, outcomes []instanceResult, passed, need int) string {
	var failing, passing []string
	for _, r := range outcomes {
		switch {
		case r.passed:
			passing = append(passing, r.url)
		case r.stopped:
			failing = append(failing, fmt.Sprintf("%s: %s (%d attempts; no longer polled once enough passed)", r.url, r.got, r.attempts))
		default:
			failing = append(failing, fmt.Sprintf("%s: %s (%d attempts)", r.url, r.got, r.attempts))
		}
	}
	var b strings.Builder
	if c.DNS != nil {
		b.WriteString(c.DNS.Name + ": ")
	}
	if passed >= need {
		fmt.Fprintf(&b, "%d of %d instances passed (want %d): %s", passed, len(outcomes), need, strings.Join(passing, ", "))
		if len(failing) > 0 {
			b.WriteString("; not passing: " + strings.Join(failing, "; "))
		}
	} else {
		fmt.Fprintf(&b, "%d of %d instances passed, want %d: %s", passed, len(outcomes), need, strings.Join(failing, "; "))
		if len(passing) > 0 {
			b.WriteString("; passed: " + strings.Join(passing, ", "))
		}
	}
	fmt.Fprintf(&b, " (%s, want %d within %s)", c.Method, c.Status, c.Within)
	return b.String()
}
