package activities_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// githubToken is foas's GH_TOKEN in githubActivities.
const githubToken = "ghp_fake0123456789token"

// fakeGitHub plays the Actions REST API as documented: POST
// /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches with
// return_run_details answers 200 {workflow_run_id, run_url, html_url}; GET
// /repos/{owner}/{repo}/actions/runs/{id} is queued, then in_progress, then
// completed with the workflow's conclusion. No run completes before every
// workflow was dispatched, so workflows run one after another never end.
type fakeGitHub struct {
	srv *httptest.Server
	// conclusions by workflow; "" never completes.
	conclusions map[string]string

	mu         sync.Mutex
	dispatched map[string]map[string]any // by workflow, the body
	runs       map[int64]string          // run id → workflow
	polls      map[int64]int
	count      map[string]int // by workflow, its dispatches
	cancelled  []int64        // runs cancelled (POST .../runs/{id}/cancel: 202)
	problems   []string
}

func newFakeGitHub(t *testing.T, conclusions map[string]string) *fakeGitHub {
	f := &fakeGitHub{conclusions: conclusions, dispatched: map[string]map[string]any{}, runs: map[int64]string{}, polls: map[int64]int{}, count: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+githubToken {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.Header.Get("X-GitHub-Api-Version") == "" || r.Header.Get("Accept") != "application/vnd.github+json" {
		f.problems = append(f.problems, r.URL.Path+" without the API version or accept headers")
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/repos/acme/smoke/actions/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(rest, "/dispatches"):
		wf := strings.TrimSuffix(strings.TrimPrefix(rest, "workflows/"), "/dispatches")
		if _, known := f.conclusions[wf]; !known {
			http.NotFound(w, r)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["return_run_details"] != true {
			f.problems = append(f.problems, "dispatch without return_run_details")
		}
		f.dispatched[wf] = body
		f.count[wf]++
		id := int64(9000 + len(f.runs) + 1)
		f.runs[id] = wf
		writeJSON(w, map[string]any{"workflow_run_id": id,
			"run_url":  f.srv.URL + "/repos/acme/smoke/actions/runs/" + strconv.FormatInt(id, 10),
			"html_url": "https://github.com/acme/smoke/actions/runs/" + strconv.FormatInt(id, 10)})
	case r.Method == http.MethodPost && strings.HasPrefix(rest, "runs/") && strings.HasSuffix(rest, "/cancel"):
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rest, "runs/"), "/cancel"), 10, 64)
		if _, known := f.runs[id]; !known {
			http.NotFound(w, r)
			return
		}
		f.cancelled = append(f.cancelled, id)
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodGet && strings.HasPrefix(rest, "runs/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(rest, "runs/"), 10, 64)
		wf, known := f.runs[id]
		if !known {
			http.NotFound(w, r)
			return
		}
		f.polls[id]++
		run := map[string]any{"id": id, "status": "queued", "conclusion": nil,
			"html_url": "https://github.com/acme/smoke/actions/runs/" + strconv.FormatInt(id, 10)}
		switch {
		case f.polls[id] > 1 && len(f.dispatched) == len(f.conclusions) && f.conclusions[wf] != "":
			run["status"], run["conclusion"] = "completed", f.conclusions[wf]
		case f.polls[id] > 1:
			run["status"] = "in_progress"
		}
		writeJSON(w, run)
	default:
		http.NotFound(w, r)
	}
}

func githubActivities(t *testing.T) *activities.PromotionActivities {
	pa, _ := newPromotionActivities(t)
	s := environmentSecrets(t)
	require.NoError(t, s.Set(context.Background(), "foas", "", "GH_TOKEN", []byte(githubToken), "test"))
	pa.Tasks.Secrets, pa.JenkinsPoll = s, 10*time.Millisecond
	return pa
}

func githubInput(f *fakeGitHub, workflows ...string) activities.GitHubCheckInput {
	return activities.GitHubCheckInput{
		CIJobCheckRun: contracts.CIJobCheckRun{PromotionID: "promote/foas/1.2", RunID: "run-1", Project: "foas",
			Environment: "staging", Version: "1.2", Index: 2, SecretsAllowed: true},
		Check: pipeline.GitHubCheck{API: f.srv.URL, Repository: "acme/smoke", Workflows: workflows, Ref: "main",
			Inputs: map[string]string{"target": "${DROVER_ENVIRONMENT}"}, Token: pipeline.Credential{Secret: "GH_TOKEN"},
			Timeout: pipeline.Duration(20 * time.Second)},
	}
}

func TestCheckGitHubActionsRunsEveryWorkflowInParallel(t *testing.T) {
	f := newFakeGitHub(t, map[string]string{"smoke.yml": "success", "e2e.yml": "success"})
	pa := githubActivities(t)
	var res activities.CheckResult
	require.NoError(t, execute(context.Background(), t, pa, pa.CheckGitHubActions, githubInput(f, "smoke.yml", "e2e.yml"), &res))
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Empty(t, f.problems)
	for _, wf := range []string{"smoke.yml", "e2e.yml"} {
		require.Equal(t, "main", f.dispatched[wf]["ref"])
		require.Equal(t, map[string]any{"target": "staging"}, f.dispatched[wf]["inputs"])
	}
	require.Contains(t, res.Detail, "github workflow smoke.yml run 900")
	require.Contains(t, res.Detail, "success: https://github.com/acme/smoke/actions/runs/900")
	log := readKey(t, pa, jenkinsLogKey)
	require.Contains(t, log, "every github workflow succeeded")
	require.NotContains(t, log, githubToken)
}

func TestCheckGitHubActionsFailsNamingTheWorkflow(t *testing.T) {
	f := newFakeGitHub(t, map[string]string{"smoke.yml": "success", "e2e.yml": "failure"})
	pa := githubActivities(t)
	appErr := appError(t, execute(context.Background(), t, pa, pa.CheckGitHubActions, githubInput(f, "smoke.yml", "e2e.yml"), nil))
	require.True(t, appErr.NonRetryable())
	require.Equal(t, activities.ErrTypeCheckFailed, appErr.Type())
	require.Regexp(t, `github workflow e2e\.yml run 900[12] failure: https://github\.com/acme/smoke/actions/runs/900[12]`, appErr.Error())
	require.NotContains(t, appErr.Error(), "smoke.yml")
	require.NotContains(t, appErr.Error(), githubToken)
	require.NotContains(t, readKey(t, pa, jenkinsLogKey), githubToken)
}

func TestCheckGitHubActionsRefused(t *testing.T) {
	f := newFakeGitHub(t, map[string]string{"smoke.yml": "success"})
	pa := githubActivities(t)
	appErr := appError(t, execute(context.Background(), t, pa, pa.CheckGitHubActions, githubInput(f, "missing.yml"), nil))
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "github workflow missing.yml: dispatch refused: got 404 Not Found")
}
