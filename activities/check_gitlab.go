package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// gitlabPipeline is where one project's pipeline of a gitlab check got to.
type gitlabPipeline struct {
	Project string
	ID      int64
	URL     string // the pipeline's page
	Status  string // success, failed, canceled, skipped, ...; "" before it is created
}

func (p gitlabPipeline) succeeded() bool { return p.Status == "success" }

func (p gitlabPipeline) String() string {
	if p.ID == 0 {
		return "gitlab project " + p.Project
	}
	return fmt.Sprintf("gitlab pipeline %s #%d %s: %s", p.Project, p.ID, p.Status, p.URL)
}

// gitlabFinal are the statuses a pipeline does not leave.
var gitlabFinal = []string{"success", "failed", "canceled", "skipped"}

// CheckGitLab creates a pipeline in every project of the check
// (POST /api/v4/projects/<id>/pipeline with ref and variables, answered 201
// with the pipeline's id, status and web_url), polls each one
// (GET /api/v4/projects/<id>/pipelines/<pipeline>) until it is success,
// failed, canceled or skipped, all in parallel, and passes when every one is
// success. Its detail and log link each pipeline's page; any other end, a
// refused creation or the timeout is a non-retryable CheckFailed error
// naming the project, its pipeline and status. The token (PRIVATE-TOKEN) is
// a secret, masked in the log and withheld from untrusted branches. It
// heartbeats while waiting and stops when the activity is cancelled.
func (a *PromotionActivities) CheckGitLab(ctx context.Context, in GitLabCheckInput) (CheckResult, error) {
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
		api = pipeline.DefaultGitLabAPI
	}
	base, err := cl.server(api, "gitlab api")
	if err != nil {
		return CheckResult{LogKey: key}, err
	}
	creds, err := a.checkCredentials(ctx, in.Project, in.Environment, in.SecretsAllowed, "gitlab", log, c.Token)
	if err != nil {
		return CheckResult{LogKey: key}, err
	}
	g := &gitlabClient{
		client: a.ciHTTPClient(nil),
		api:    base.String() + "/api/v4", token: creds[0], log: log, poll: a.jenkinsPoll(),
	}
	vars := ciCheckVars(in.CIJobCheckRun)
	names := make([]string, 0, len(c.Variables))
	for name := range c.Variables {
		names = append(names, name)
	}
	slices.Sort(names)
	variables := make([]map[string]string, 0, len(names))
	for _, name := range names {
		variables = append(variables, map[string]string{"key": name, "value": pipeline.ExpandCheckParameter(c.Variables[name], vars)})
	}

	log.Printf("=== %s: gitlab %s, projects %s on %s, until %s ===", what, safeURL(api), strings.Join(c.Projects, ", "), c.Ref,
		time.Now().Add(timeout).UTC().Format(time.RFC3339))
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	g.runs = newCIRunTracker[ciRunRecord](ctx, "runs")
	stopHeartbeat := a.Tasks.heartbeatWith(runCtx, func() any { return g.runs.snapshot() })
	passed, failures := awaitCIJobs(runCtx, timeout, c.Projects, func(ctx context.Context, project string) (gitlabPipeline, error) {
		return g.run(ctx, project, c.Ref, variables)
	})
	stopHeartbeat()

	// Cancelled, the promotion waits no more for its pipelines: they are stopped.
	return cl.finish(ctx, passed, failures, g.cancelAll, "gitlab pipeline")
}

// gitlabClient calls one GitLab server's API for one check.
type gitlabClient struct {
	client *http.Client
	api    string // <server>/api/v4
	token  string
	log    *logstore.LineWriter
	poll   time.Duration
	// runs are the pipelines the check created (heartbeat details).
	runs *ciRunTracker[ciRunRecord]
}

// cancelAll cancels every pipeline of the check that has not ended (POST
// /projects/<id>/pipelines/<id>/cancel), once, briefly, logging each.
func (g *gitlabClient) cancelAll(ctx context.Context) {
	g.runs.cancelUnfinished(ctx, g.log, "cancelled", is2xx,
		func(project string, p ciRunRecord) string {
			return fmt.Sprintf("gitlab project %s pipeline #%d", project, p.ID)
		},
		func(ctx context.Context, project string, p ciRunRecord) (int, error) {
			target := g.api + "/projects/" + url.PathEscape(project) + "/pipelines/" + strconv.FormatInt(p.ID, 10) + "/cancel"
			return g.do(ctx, http.MethodPost, target, nil, nil)
		})
}

// run creates project's pipeline, unless an earlier attempt did, and
// waits for it to end.
func (g *gitlabClient) run(ctx context.Context, project, ref string, variables []map[string]string) (gitlabPipeline, error) {
	p := gitlabPipeline{Project: project}
	projectURL := g.api + "/projects/" + url.PathEscape(project)
	if rec, ok := g.runs.get(project); ok {
		p.ID, p.URL = rec.ID, rec.URL
		g.log.Printf("=== gitlab project %s: pipeline #%d created by an earlier attempt, followed again ===", project, p.ID)
		return g.await(ctx, p, projectURL)
	}
	body, err := json.Marshal(map[string]any{"ref": ref, "variables": variables})
	if err != nil {
		return p, fmt.Errorf("encode pipeline: %w", err)
	}
	var created struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
		WebURL string `json:"web_url"`
	}
	status, err := g.do(ctx, http.MethodPost, projectURL+"/pipeline", body, &created)
	if err == nil && (status != http.StatusCreated || created.ID == 0) {
		err = fmt.Errorf("pipeline refused: got %d %s", status, http.StatusText(status))
	}
	if err != nil {
		return p, err
	}
	p.ID, p.URL = created.ID, safeURL(created.WebURL)
	g.runs.set(project, ciRunRecord{ID: p.ID, URL: p.URL})
	g.log.Printf("=== gitlab project %s: pipeline #%d created: %s ===", project, p.ID, p.URL)
	return g.await(ctx, p, projectURL)
}

// await polls pipeline p of the project at projectURL until it ends.
func (g *gitlabClient) await(ctx context.Context, p gitlabPipeline, projectURL string) (gitlabPipeline, error) {
	target := projectURL + "/pipelines/" + strconv.FormatInt(p.ID, 10)
	for {
		t := time.NewTimer(g.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return p, ctx.Err()
		case <-t.C:
		}
		var state struct {
			Status string `json:"status"`
		}
		status, err := g.do(ctx, http.MethodGet, target, nil, &state)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("got %d %s", status, http.StatusText(status))
		}
		if err != nil {
			if ctx.Err() == nil {
				g.log.Printf("=== GET %s: %v; polling again ===", safeURL(target), err)
			}
			continue
		}
		p.Status = state.Status
		if slices.Contains(gitlabFinal, state.Status) {
			g.runs.set(p.Project, ciRunRecord{ID: p.ID, URL: p.URL, Done: true})
			g.log.Printf("=== %s ===", p)
			return p, nil
		}
	}
}

// do sends one request with the token; a 2xx JSON answer is decoded into v.
// Errors never repeat the answer's body.
func (g *gitlabClient) do(ctx context.Context, method, target string, body []byte, v any) (int, error) {
	status, _, err := ciRequest(ctx, g.client, method, target, bodyReader(body), func(req *http.Request) {
		req.Header.Set("PRIVATE-TOKEN", g.token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}, v, is2xx)
	return status, err
}

// bodyReader is body to send, or no body for nil.
func bodyReader(body []byte) io.Reader {
	if body == nil {
		return nil
	}
	return bytes.NewReader(body)
}
