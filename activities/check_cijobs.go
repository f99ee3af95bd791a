package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/logstore"
)

// ciCheckLog is the log of one CI-job check and how the check names itself
// and fails.
type ciCheckLog struct {
	key, what string
	log       *logstore.LineWriter
	a         *PromotionActivities
}

// openCheckLog opens the log of the check at r.Index of an environment's
// verify list ("verify-<index>", as every check's).
func (a *PromotionActivities) openCheckLog(ctx context.Context, r contracts.CIJobCheckRun) (*ciCheckLog, error) {
	cl := &ciCheckLog{a: a,
		key:  logstore.PromotionKey(r.PromotionID, runIDOr(ctx, r.RunID), r.Environment, "verify-"+strconv.Itoa(r.Index)),
		what: fmt.Sprintf("verify %s %s in %s (check %d)", r.Project, r.Version, r.Environment, r.Index)}
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

// server parses the check's server or API URL, which must be absolute http
// or https without credentials; kind names it in the failure ("jenkins url").
func (cl *ciCheckLog) server(raw, kind string) (*url.URL, error) {
	base, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.User != nil {
		return nil, cl.fail(cl.what + ": " + kind + " must be an absolute http or https URL without credentials")
	}
	return base, nil
}

// finish ends a check once awaitCIJobs has: cancelled (stop stops what the
// check started, since no one waits for it any more), failed with every
// failure, or passed with every job; all names the jobs in the log
// ("jenkins job").
func (cl *ciCheckLog) finish(ctx context.Context, passed, failures []string, stop func(context.Context), all string) (CheckResult, error) {
	if ctx.Err() != nil {
		stop(context.WithoutCancel(ctx))
		return CheckResult{LogKey: cl.key}, fmt.Errorf("%s: cancelled: %w", cl.what, ctx.Err())
	}
	if len(failures) > 0 {
		return CheckResult{LogKey: cl.key}, cl.fail(strings.Join(failures, "; "))
	}
	cl.log.Printf("=== every %s succeeded ===", all)
	return CheckResult{Detail: strings.Join(passed, "; "), Attempts: 1, LogKey: cl.key}, nil
}

// ciHTTPClient sends a CI-job check's requests. Credentials go only to the
// configured server: redirects are not followed.
func (a *PromotionActivities) ciHTTPClient(jar http.CookieJar) *http.Client {
	return &http.Client{Transport: a.httpClient().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// ciCheckVars are the placeholders a CI-job check's parameters, inputs or
// variables may use (pipeline.ExpandCheckParameter).
func ciCheckVars(r contracts.CIJobCheckRun) map[string]string {
	return map[string]string{
		"DROVER_PROJECT": r.Project, "DROVER_VERSION": r.Version, "DROVER_ENVIRONMENT": r.Environment,
		"DROVER_COMMIT": r.Commit, "DROVER_PROMOTION_ID": r.PromotionID,
	}
}

// ciRequest sends one request of a CI-job check within
// jenkinsRequestTimeout; prepare sets its credentials and content type. A
// JSON answer whose status decodes accepts is decoded into v when v is not
// nil. Errors never repeat the answer's body.
func ciRequest(ctx context.Context, client *http.Client, method, target string, body io.Reader, prepare func(*http.Request),
	v any, decodes func(status int) bool) (int, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, jenkinsRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return 0, nil, fmt.Errorf("create request: %w", urlErrorCause(err))
	}
	req.Header.Set("User-Agent", "drover")
	prepare(req)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, urlErrorCause(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if v != nil && decodes(resp.StatusCode) {
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxCheckBody)).Decode(v); err != nil {
			return resp.StatusCode, resp.Header, fmt.Errorf("decode %s answer: %w", method, err)
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, resp.Header, nil
}

// is2xx is the answers Jenkins and GitLab send a body with.
func is2xx(status int) bool { return status/100 == 2 }

// cancelUnfinished asks cancel, once and briefly, to stop every run of t
// that has not ended, logging each under label(name, run): verb
// ("cancelled", "stopped") when the answer is one accepts, "not <verb>"
// otherwise.
func (t *ciRunTracker[R]) cancelUnfinished(ctx context.Context, log *logstore.LineWriter, verb string, accepts func(status int) bool,
	label func(name string, r R) string, cancel func(ctx context.Context, name string, r R) (int, error)) {
	ctx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	for _, name := range t.unfinished() {
		rec, _ := t.get(name)
		status, err := cancel(ctx, name, rec)
		if err == nil && !accepts(status) {
			err = fmt.Errorf("got %d %s", status, http.StatusText(status))
		}
		if err != nil {
			log.Printf("=== %s: not %s: %v ===", label(name, rec), verb, err)
			continue
		}
		log.Printf("=== %s: %s (the check was cancelled) ===", label(name, rec), verb)
	}
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

// ciRunRecord is one run a github_actions or gitlab check started: a
// workflow run, a pipeline. The check's heartbeat details hold them by
// workflow (project) under "runs", so that a retry (its worker lost
// mid-check) follows those runs instead of starting them again, and a
// cancelled check knows what to cancel.
type ciRunRecord struct {
	ID   int64  `json:"id"`
	URL  string `json:"url,omitempty"`
	Done bool   `json:"done,omitempty"` // it has ended
}

func (r ciRunRecord) started() bool { return r.ID != 0 }
func (r ciRunRecord) ended() bool   { return r.Done }

// ciRunState is what a ciRunTracker keeps of one run.
type ciRunState interface {
	started() bool // there is a run to follow (or cancel)
	ended() bool   // it has ended
}

// ciRunTracker keeps the runs a CI-job check started, by name, and
// records them as the activity's heartbeat details, under key.
type ciRunTracker[R ciRunState] struct {
	ctx  context.Context // the activity's
	key  string          // "runs", "jobs"
	mu   sync.Mutex
	runs map[string]R
}

// newCIRunTracker starts from what an earlier attempt of the activity
// recorded under key (details of another shape count as nothing).
func newCIRunTracker[R ciRunState](ctx context.Context, key string) *ciRunTracker[R] {
	t := &ciRunTracker[R]{ctx: ctx, key: key, runs: map[string]R{}}
	var earlier map[string]json.RawMessage
	if activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &earlier) == nil {
		var runs map[string]R
		if raw, ok := earlier[key]; ok && json.Unmarshal(raw, &runs) == nil {
			maps.Copy(t.runs, runs)
		}
	}
	return t
}

// get is the run name started, by this attempt or an earlier one (ok), or
// where it got to before that.
func (t *ciRunTracker[R]) get(name string) (R, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.runs[name]
	return r, r.started()
}

// set records the run of name and heartbeats it at once.
func (t *ciRunTracker[R]) set(name string, r R) {
	t.mu.Lock()
	t.runs[name] = r
	t.mu.Unlock()
	activity.RecordHeartbeat(t.ctx, t.snapshot())
}

// snapshot is the heartbeat details: a copy of the runs under key.
func (t *ciRunTracker[R]) snapshot() map[string]map[string]R {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.runs) == 0 {
		return map[string]map[string]R{}
	}
	return map[string]map[string]R{t.key: maps.Clone(t.runs)}
}

// unfinished are the names of the runs started and not ended, sorted.
func (t *ciRunTracker[R]) unfinished() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var names []string
	for name, r := range t.runs {
		if r.started() && !r.ended() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
