package activities

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/secrets"
)

// DefaultJenkinsPoll is how often a jenkins check polls a queue item or a
// build when PromotionActivities.JenkinsPoll is unset.
const DefaultJenkinsPoll = 5 * time.Second

// jenkinsRequestTimeout bounds one request to Jenkins.
const jenkinsRequestTimeout = 30 * time.Second

// jenkinsBuild is where one job of a jenkins check got to.
type jenkinsBuild struct {
	Job    string
	Number int
	URL    string // the build page
	Result string // SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT; "" while unknown
}

func (b jenkinsBuild) succeeded() bool { return b.Result == "SUCCESS" }

func (b jenkinsBuild) String() string {
	if b.Number == 0 {
		return "jenkins job " + b.Job
	}
	return fmt.Sprintf("jenkins job %s #%d %s: %s", b.Job, b.Number, cmp.Or(b.Result, "RUNNING"), b.URL)
}

// CheckJenkins triggers every job of the check through Jenkins' remote
// access API and waits for all of them in parallel: it asks the crumb
// issuer for a CSRF crumb (a 404 means CSRF protection is off), POSTs
// /job/<name>/buildWithParameters (or /build without parameters) with basic
// auth, follows the queue item in the answer's Location until it names a
// build, and polls the build until it is no longer building. It passes when
// every build ends with SUCCESS; its detail and log link each build page.
// A build ending otherwise, a refused trigger, a cancelled queue item or
// the check's timeout (pipeline.DefaultJenkinsTimeout when unset) is a
// non-retryable CheckFailed error naming the job, its build and result.
// Credentials come from the project's (or environment's) secrets, masked
// in the log; an untrusted branch gets none and the check fails. It
// heartbeats while waiting and stops when the activity is cancelled.
func (a *PromotionActivities) CheckJenkins(ctx context.Context, in JenkinsCheckInput) (CheckResult, error) {
	c := in.Check
	timeout := time.Duration(c.Timeout)
	if timeout <= 0 {
		timeout = pipeline.DefaultJenkinsTimeout
	}
	cl, err := a.openCheckLog(ctx, in.CIJobCheckRun)
	if err != nil {
		return CheckResult{}, err
	}
	defer cl.close()
	key, what, log, fail := cl.key, cl.what, cl.log, cl.fail
	base, err := cl.server(c.URL, "jenkins url")
	if err != nil {
		return CheckResult{LogKey: key}, err
	}
	user, token, err := a.jenkinsCredentials(ctx, in, log)
	if err != nil {
		return CheckResult{LogKey: key}, err
	}
	jar, _ := cookiejar.New(nil) // crumbs may be bound to the crumb issuer's session
	client := a.ciHTTPClient(jar)
	j := &jenkinsRun{client: client, base: base, user: user, token: token, log: log, poll: a.jenkinsPoll(),
		jobs: newCIRunTracker[jenkinsJobProgress](ctx, "jobs")}
	vars := ciCheckVars(in.CIJobCheckRun)
	params := url.Values{}
	for name, value := range c.Parameters {
		params.Set(name, pipeline.ExpandCheckParameter(value, vars))
	}

	log.Printf("=== %s: jenkins %s, jobs %s, until %s ===", what, safeURL(c.URL), strings.Join(c.Jobs, ", "),
		time.Now().Add(timeout).UTC().Format(time.RFC3339))
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stopHeartbeat := a.Tasks.heartbeatWith(runCtx, func() any { return j.jobs.snapshot() })
	if err := j.fetchCrumb(runCtx); err != nil {
		stopHeartbeat()
		if ctx.Err() != nil {
			return CheckResult{LogKey: key}, fmt.Errorf("%s: cancelled: %w", what, ctx.Err())
		}
		if errors.Is(err, errJenkinsAuth) {
			return CheckResult{LogKey: key}, fail(fmt.Sprintf("%s: jenkins %s: %v", what, safeURL(c.URL), err))
		}
		// Nothing was triggered yet: a retry is safe.
		log.Printf("=== jenkins crumb issuer: %v ===", err)
		return CheckResult{LogKey: key}, fmt.Errorf("%s: jenkins crumb issuer: %w", what, err)
	}
	passed, failures := awaitCIJobs(runCtx, timeout, c.Jobs, func(ctx context.Context, job string) (jenkinsBuild, error) {
		return j.run(ctx, job, params)
	})
	stopHeartbeat()

	// Cancelled, the promotion waits no more for its jobs: they are stopped.
	return cl.finish(ctx, passed, failures, j.stopAll, "jenkins job")
}

// jenkinsCredentials reads the check's user and token, masking secret ones
// in log from here on.
func (a *PromotionActivities) jenkinsCredentials(ctx context.Context, in JenkinsCheckInput, log *logstore.LineWriter) (user, token string, err error) {
	v, err := a.checkCredentials(ctx, in.Project, in.Environment, in.SecretsAllowed, "jenkins", log, in.Check.User, in.Check.Token)
	if err != nil {
		return "", "", err
	}
	return v[0], v[1], nil
}

// checkCredentials reads creds (values, or secrets of the project or the
// environment), masking secret ones in log from here on. Secrets withheld
// from an untrusted branch fail the check.
func (a *PromotionActivities) checkCredentials(ctx context.Context, project, environment string, allowed bool, kind string,
	log *logstore.LineWriter, creds ...pipeline.Credential) ([]string, error) {
	var names []string
	for _, cred := range creds {
		if cred.Secret != "" && !slices.Contains(names, cred.Secret) {
			names = append(names, cred.Secret)
		}
	}
	values := map[string]string{}
	if len(names) > 0 {
		failed := func(msg string) error {
			log.Printf("=== %s ===", msg)
			return temporal.NewNonRetryableApplicationError(msg, ErrTypeCheckFailed, nil)
		}
		if !allowed {
			return nil, failed(kind + " credentials withheld: this build's branch is not trusted by the project")
		}
		if a.Tasks.Secrets == nil {
			return nil, failed(kind + " credentials are secrets but the worker has no secrets store (DROVER_SECRETS_KEY)")
		}
		var err error
		values, err = a.Tasks.Secrets.Values(ctx, project, environment, names)
		if err != nil {
			if errors.Is(err, secrets.ErrNotFound) || errors.Is(err, secrets.ErrNoKey) {
				return nil, failed(err.Error())
			}
			return nil, fmt.Errorf("read secrets: %w", err)
		}
		var mask []string
		for _, v := range values {
			mask = append(mask, v)
		}
		log.SetMask(secrets.NewMasker(mask...).MaskBytes)
	}
	out := make([]string, len(creds))
	for i, cred := range creds {
		out[i] = cred.Value
		if cred.Secret != "" {
			out[i] = values[cred.Secret]
		}
	}
	return out, nil
}

func (a *PromotionActivities) jenkinsPoll() time.Duration {
	if a.JenkinsPoll > 0 {
		return a.JenkinsPoll
	}
	return DefaultJenkinsPoll
}

// jenkinsJobProgress is where one job of a jenkins check got to. The
// check's heartbeat details hold it by job under "jobs", so that a retry
// (its worker lost mid-check) follows the jobs it triggered rather than
// triggering them again, and a cancelled check knows what to stop.
type jenkinsJobProgress struct {
	Queue  string `json:"queue,omitempty"` // the queue item's URL
	Build  string `json:"build,omitempty"` // the build's URL
	Number int    `json:"number,omitempty"`
	Done   bool   `json:"done,omitempty"` // the build has a result
}

func (p jenkinsJobProgress) started() bool { return p.Queue != "" || p.Build != "" }
func (p jenkinsJobProgress) ended() bool   { return p.Done }

// errJenkinsAuth is Jenkins refusing the check's credentials.
var errJenkinsAuth = errors.New("credentials refused")

// jenkinsRun talks to one Jenkins server for one check.
type jenkinsRun struct {
	client      *http.Client
	base        *url.URL
	user, token string
	log         *logstore.LineWriter
	poll        time.Duration
	// crumbField and crumb are the CSRF header, empty when CSRF is off.
	crumbField, crumb string

	// jobs are where the check's jobs got to (heartbeat details).
	jobs *ciRunTracker[jenkinsJobProgress]
}

// stopAll stops, as Jenkins documents, every job of the check that has
// not ended: a running build with POST <build>/stop, a queued one with
// POST /queue/cancelItem?id=<item>. Each is tried once, briefly: a check
// that could not stop a job says so in its log. Jenkins answers either
// with a redirect (302) or 2xx.
func (j *jenkinsRun) stopAll(ctx context.Context) {
	j.jobs.cancelUnfinished(ctx, j.log, "stopped", func(status int) bool { return status >= 200 && status <= 399 },
		func(job string, p jenkinsJobProgress) string {
			if p.Build != "" {
				return fmt.Sprintf("jenkins job %s #%d", job, p.Number)
			}
			return "jenkins job " + job + " (queued)"
		},
		func(ctx context.Context, _ string, p jenkinsJobProgress) (int, error) {
			target := strings.TrimSuffix(p.Build, "/") + "/stop"
			if p.Build == "" {
				item := path.Base(strings.TrimSuffix(p.Queue, "/"))
				target = j.base.String() + "/queue/cancelItem?id=" + url.QueryEscape(item)
			}
			status, _, err := j.do(ctx, http.MethodPost, target, nil, nil)
			return status, err
		})
}

// fetchCrumb asks the crumb issuer for a crumb; 404 means CSRF protection is off.
func (j *jenkinsRun) fetchCrumb(ctx context.Context) error {
	var body struct {
		Crumb             string `json:"crumb"`
		CrumbRequestField string `json:"crumbRequestField"`
	}
	status, _, err := j.do(ctx, http.MethodGet, j.base.String()+"/crumbIssuer/api/json", nil, &body)
	switch {
	case err != nil:
		return err
	case status == http.StatusNotFound:
		return nil
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Errorf("%w: got %d %s", errJenkinsAuth, status, http.StatusText(status))
	case status != http.StatusOK:
		return fmt.Errorf("got %d %s", status, http.StatusText(status))
	}
	j.crumbField, j.crumb = body.CrumbRequestField, body.Crumb
	return nil
}

// run triggers job and waits for its build to end.
func (j *jenkinsRun) run(ctx context.Context, job string, params url.Values) (jenkinsBuild, error) {
	b := jenkinsBuild{Job: job}
	prog, _ := j.jobs.get(job)
	prog.Done = false // an earlier attempt that saw it end: its result is read again
	queue, build := prog.Queue, prog.Build
	var err error
	if queue == "" && build == "" {
		if queue, err = j.trigger(ctx, job, params); err != nil {
			return b, err
		}
		prog.Queue = queue
		j.jobs.set(job, prog)
	} else {
		j.log.Printf("=== jenkins job %s: triggered by an earlier attempt, followed again ===", job)
	}
	if build == "" {
		if build, b.Number, err = j.awaitBuild(ctx, queue); err != nil {
			return b, err
		}
		prog.Build, prog.Number = build, b.Number
		j.jobs.set(job, prog)
		j.log.Printf("=== jenkins job %s #%d started: %s ===", job, b.Number, safeURL(build))
	} else if build, err = j.onServer(build); err != nil {
		return b, fmt.Errorf("recorded build: %w", err)
	}
	b.Number, b.URL = prog.Number, safeURL(build)

	var state struct {
		Building bool   `json:"building"`
		Result   string `json:"result"`
		Number   int    `json:"number"`
	}
	for {
		if err := j.wait(ctx); err != nil {
			return b, err
		}
		state.Building, state.Result = true, ""
		if j.poll1(ctx, strings.TrimSuffix(build, "/")+"/api/json", &state) && !state.Building && state.Result != "" {
			b.Result = state.Result
			prog.Done = true
			j.jobs.set(job, prog)
			j.log.Printf("=== %s ===", b)
			return b, nil
		}
	}
}

// trigger queues a build of job and returns its queue item's URL.
func (j *jenkinsRun) trigger(ctx context.Context, job string, params url.Values) (string, error) {
	trigger := j.base.String() + pipeline.JenkinsJobPath(job) + "/build"
	if len(params) > 0 {
		trigger = j.base.String() + pipeline.JenkinsJobPath(job) + "/buildWithParameters"
	}
	var form io.Reader
	if len(params) > 0 {
		form = strings.NewReader(params.Encode())
	}
	status, header, err := j.do(ctx, http.MethodPost, trigger, form, nil)
	if err == nil && status != http.StatusCreated && (status < 200 || status > 399) {
		err = fmt.Errorf("trigger refused: got %d %s", status, http.StatusText(status))
	}
	if err != nil {
		return "", err
	}
	queue, err := j.onServer(header.Get("Location"))
	if err != nil {
		return "", fmt.Errorf("trigger answered no queue item: %w", err)
	}
	j.log.Printf("=== jenkins job %s: queued as %s ===", job, safeURL(queue))
	return queue, nil
}

// awaitBuild follows the queue item at queue until it names its build,
// and returns the build's URL and number.
func (j *jenkinsRun) awaitBuild(ctx context.Context, queue string) (string, int, error) {
	queue, err := j.onServer(queue)
	if err != nil {
		return "", 0, fmt.Errorf("queue item: %w", err)
	}

	var item struct {
		Cancelled  bool   `json:"cancelled"`
		Why        string `json:"why"`
		Executable *struct {
			Number int    `json:"number"`
			URL    string `json:"url"`
		} `json:"executable"`
	}
	for item.Executable == nil || item.Executable.URL == "" {
		if err := j.wait(ctx); err != nil {
			return "", 0, err
		}
		if ok := j.poll1(ctx, strings.TrimSuffix(queue, "/")+"/api/json", &item); ok && item.Cancelled {
			return "", 0, errors.New("cancelled in the Jenkins queue")
		}
	}
	build, err := j.onServer(item.Executable.URL)
	if err != nil {
		return "", 0, fmt.Errorf("queue item names no build: %w", err)
	}
	return build, item.Executable.Number, nil
}

// poll1 GETs a JSON document into v; a failed poll is logged and tried again
// on the next one (Jenkins restarts, proxies time out), until the check's timeout.
func (j *jenkinsRun) poll1(ctx context.Context, target string, v any) bool {
	status, _, err := j.do(ctx, http.MethodGet, target, nil, v)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("got %d %s", status, http.StatusText(status))
	}
	if err != nil && ctx.Err() == nil {
		j.log.Printf("=== GET %s: %v; polling again ===", safeURL(target), err)
	}
	return err == nil
}

func (j *jenkinsRun) wait(ctx context.Context) error {
	t := time.NewTimer(j.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// onServer resolves a URL Jenkins answered with (a Location, a build URL)
// against the configured server, and keeps it there: Jenkins builds them
// from its own root URL, which may name another host, and credentials go to
// the configured server only.
func (j *jenkinsRun) onServer(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("empty URL")
	}
	u, err := j.base.Parse(raw)
	if err != nil {
		return "", errors.New("invalid URL")
	}
	u.Scheme, u.Host, u.User, u.RawQuery, u.Fragment = j.base.Scheme, j.base.Host, nil, "", ""
	return u.String(), nil
}

// do sends one request with basic auth and the crumb; a 2xx JSON answer is
// decoded into v when v is not nil. Errors never repeat the URL's query or
// the answer's body.
func (j *jenkinsRun) do(ctx context.Context, method, target string, body io.Reader, v any) (int, http.Header, error) {
	return ciRequest(ctx, j.client, method, target, body, func(req *http.Request) {
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if j.user != "" || j.token != "" {
			req.SetBasicAuth(j.user, j.token)
		}
		if j.crumbField != "" {
			req.Header.Set(j.crumbField, j.crumb)
		}
	}, v, is2xx)
}
