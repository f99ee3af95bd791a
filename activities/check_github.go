package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// githubRun is where one workflow of a github_actions check got to.
type githubRun struct {
	Workflow   string
	ID         int64
	URL        string // the run's page
	Conclusion string // success, failure, cancelled, timed_out, ...; "" while running
}

func (r githubRun) succeeded() bool { return r.Conclusion == "success" }

func (r githubRun) String() string {
	if r.ID == 0 {
		return "github workflow " + r.Workflow
	}
	c := r.Conclusion
	if c == "" {
		c = "running"
	}
	return fmt.Sprintf("github workflow %s run %d %s: %s", r.Workflow, r.ID, c, r.URL)
}

// CheckGitHubActions dispatches every workflow of the check
// (POST /repos/{repo}/actions/workflows/{workflow}/dispatches with ref,
// inputs and return_run_details, answered 200 with the run's id and page),
// polls each run (GET /repos/{repo}/actions/runs/{id}) until its status is
// completed, all in parallel, and passes when every run concludes success.
// Its detail and log link each run's page; a run concluding otherwise, a
// refused dispatch or the timeout is a non-retryable CheckFailed error
// naming the workflow, its run and conclusion. The token is a secret,
// masked in the log and withheld from untrusted branches. It heartbeats
// while waiting and stops when the activity is cancelled.
func (a *PromotionActivities) CheckGitHubActions(ctx context.Context, in GitHubCheckInput) (CheckResult, error) {
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
	key, what, log := cl.key, cl.what, cl.log
	api := c.API
	if api == "" {
		api = pipeline.DefaultGitHubAPI
	}
	base, err := cl.server(api, "github api")
	if err != nil {
		return CheckResult{LogKey: key}, err
	}
	creds, err := a.checkCredentials(ctx, in.Project, in.Environment, in.SecretsAllowed, "github", log, c.Token)
	if err != nil {
		return CheckResult{LogKey: key}, err
	}
	g := &githubClient{
		client: a.ciHTTPClient(nil),
		repo:   base.String() + "/repos/" + c.Repository, token: creds[0], log: log, poll: a.jenkinsPoll(),
	}
	vars := ciCheckVars(in.CIJobCheckRun)
	inputs := map[string]string{}
	for name, value := range c.Inputs {
		inputs[name] = pipeline.ExpandCheckParameter(value, vars)
	}

	log.Printf("=== %s: github %s, workflows %s on %s, until %s ===", what, c.Repository, strings.Join(c.Workflows, ", "), c.Ref,
		time.Now().Add(timeout).UTC().Format(time.RFC3339))
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	g.runs = newCIRunTracker[ciRunRecord](ctx, "runs")
	stopHeartbeat := a.Tasks.heartbeatWith(runCtx, func() any { return g.runs.snapshot() })
	passed, failures := awaitCIJobs(runCtx, timeout, c.Workflows, func(ctx context.Context, wf string) (githubRun, error) {
		return g.run(ctx, wf, c.Ref, inputs)
	})
	stopHeartbeat()

	// Cancelled, the promotion waits no more for its runs: they are stopped.
	return cl.finish(ctx, passed, failures, g.cancelAll, "github workflow")
}

// githubClient calls one repository's Actions API for one check.
type githubClient struct {
	client *http.Client
	repo   string // <api>/repos/<owner>/<repo>
	token  string
	log    *logstore.LineWriter
	poll   time.Duration
	// runs are the runs the check started (heartbeat details).
	runs *ciRunTracker[ciRunRecord]
}

// cancelAll cancels every run of the check that has not completed (POST
// /repos/<repo>/actions/runs/<id>/cancel), once, briefly, logging each.
func (g *githubClient) cancelAll(ctx context.Context) {
	g.runs.cancelUnfinished(ctx, g.log, "cancelled", is2xx,
		func(wf string, r ciRunRecord) string { return fmt.Sprintf("github workflow %s run %d", wf, r.ID) },
		func(ctx context.Context, _ string, r ciRunRecord) (int, error) {
			return g.do(ctx, http.MethodPost, g.repo+"/actions/runs/"+strconv.FormatInt(r.ID, 10)+"/cancel", nil, nil)
		})
}

// run dispatches workflow, unless an earlier attempt did, and waits for
// its run to complete.
func (g *githubClient) run(ctx context.Context, workflow, ref string, inputs map[string]string) (githubRun, error) {
	r := githubRun{Workflow: workflow}
	if rec, ok := g.runs.get(workflow); ok {
		r.ID, r.URL = rec.ID, rec.URL
		g.log.Printf("=== github workflow %s: run %d dispatched by an earlier attempt, followed again ===", workflow, r.ID)
		return g.await(ctx, r)
	}
	body, err := json.Marshal(map[string]any{"ref": ref, "inputs": inputs, "return_run_details": true})
	if err != nil {
		return r, fmt.Errorf("encode dispatch: %w", err)
	}
	var dispatched struct {
		ID      int64  `json:"workflow_run_id"`
		HTMLURL string `json:"html_url"`
	}
	status, err := g.do(ctx, http.MethodPost, g.repo+"/actions/workflows/"+url.PathEscape(workflow)+"/dispatches", body, &dispatched)
	switch {
	case err != nil:
		return r, err
	case status == http.StatusNoContent:
		return r, errors.New("dispatched, but GitHub named no run (return_run_details unsupported by this server)")
	case status != http.StatusOK || dispatched.ID == 0:
		return r, fmt.Errorf("dispatch refused: got %d %s", status, http.StatusText(status))
	}
	r.ID, r.URL = dispatched.ID, safeURL(dispatched.HTMLURL)
	g.runs.set(workflow, ciRunRecord{ID: r.ID, URL: r.URL})
	g.log.Printf("=== github workflow %s: run %d started: %s ===", workflow, r.ID, r.URL)
	return g.await(ctx, r)
}

// await polls run r until it completes.
func (g *githubClient) await(ctx context.Context, r githubRun) (githubRun, error) {
	var run struct {
		Status     string `json:"status"`
		Conclusion string `json:"conclusion"`
		HTMLURL    string `json:"html_url"`
	}
	target := g.repo + "/actions/runs/" + strconv.FormatInt(r.ID, 10)
	for {
		t := time.NewTimer(g.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return r, ctx.Err()
		case <-t.C:
		}
		run.Status, run.Conclusion = "", ""
		status, err := g.do(ctx, http.MethodGet, target, nil, &run)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("got %d %s", status, http.StatusText(status))
		}
		if err != nil {
			if ctx.Err() == nil {
				g.log.Printf("=== GET %s: %v; polling again ===", safeURL(target), err)
			}
			continue
		}
		if run.Status == "completed" {
			r.Conclusion = cmp.Or(run.Conclusion, "unknown")
			g.runs.set(r.Workflow, ciRunRecord{ID: r.ID, URL: r.URL, Done: true})
			g.log.Printf("=== %s ===", r)
			return r, nil
		}
	}
}

// do sends one request with the token; a 2xx JSON answer is decoded into v.
// Errors never repeat the answer's body.
func (g *githubClient) do(ctx context.Context, method, target string, body []byte, v any) (int, error) {
	status, _, err := ciRequest(ctx, g.client, method, target, bodyReader(body), func(req *http.Request) {
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
		req.Header.Set("Authorization", "Bearer "+g.token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}, v, func(status int) bool { return status == http.StatusOK })
	return status, err
}
