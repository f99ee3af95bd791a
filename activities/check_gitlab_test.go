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

// gitlabToken is foas's GITLAB_TOKEN in gitlabActivities.
const gitlabToken = "glpat-fake0123456789token"

// fakeGitLab plays GitLab's pipelines API as documented: POST
// /api/v4/projects/<url-encoded path>/pipeline answers 201 {id, status,
// web_url}; GET /api/v4/projects/<id>/pipelines/<pipeline> is pending, then
// running, then the project's final status. No pipeline ends before every
// project's was created, so pipelines run one after another never end.
type fakeGitLab struct {
	srv *httptest.Server
	// final statuses by project path.
	final map[string]string

	mu        sync.Mutex
	created   map[string]map[string]any // by project, the body
	pipelines map[int64]string
	polls     map[int64]int
	count     map[string]int // by project, its pipelines created
	cancelled []int64        // pipelines cancelled (POST .../pipelines/{id}/cancel)
}

func newFakeGitLab(t *testing.T, final map[string]string) *fakeGitLab {
	f := &fakeGitLab{final: final, created: map[string]map[string]any{}, pipelines: map[int64]string{}, polls: map[int64]int{}, count: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitLab) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("PRIVATE-TOKEN") != gitlabToken {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/projects/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	id, action, _ := strings.Cut(rest, "/") // the id is one segment: the path is URL-encoded
	project := strings.ReplaceAll(id, "%2F", "/")
	if _, known := f.final[project]; !known {
		http.NotFound(w, r)
		return
	}
	switch {
	case r.Method == http.MethodPost && action == "pipeline":
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.created[project] = body
		f.count[project]++
		n := int64(700 + len(f.pipelines) + 1)
		f.pipelines[n] = project
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": n, "status": "created", "ref": body["ref"],
			"web_url": "https://gitlab.example.com/" + project + "/-/pipelines/" + strconv.FormatInt(n, 10)})
	case r.Method == http.MethodPost && strings.HasPrefix(action, "pipelines/") && strings.HasSuffix(action, "/cancel"):
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(action, "pipelines/"), "/cancel"), 10, 64)
		if f.pipelines[n] != project {
			http.NotFound(w, r)
			return
		}
		f.cancelled = append(f.cancelled, n)
		writeJSON(w, map[string]any{"id": n, "status": "canceled"})
	case r.Method == http.MethodGet && strings.HasPrefix(action, "pipelines/"):
		n, _ := strconv.ParseInt(strings.TrimPrefix(action, "pipelines/"), 10, 64)
		if f.pipelines[n] != project {
			http.NotFound(w, r)
			return
		}
		f.polls[n]++
		status := "pending"
		switch {
		case f.polls[n] > 1 && len(f.created) == len(f.final):
			status = f.final[project]
		case f.polls[n] > 1:
			status = "running"
		}
		writeJSON(w, map[string]any{"id": n, "status": status})
	default:
		http.NotFound(w, r)
	}
}

func gitlabActivities(t *testing.T) *activities.PromotionActivities {
	pa, _ := newPromotionActivities(t)
	s := environmentSecrets(t)
	require.NoError(t, s.Set(context.Background(), "foas", "", "GITLAB_TOKEN", []byte(gitlabToken), "test"))
	pa.Tasks.Secrets, pa.JenkinsPoll = s, 10*time.Millisecond
	return pa
}

func gitlabInput(f *fakeGitLab, projects ...string) activities.GitLabCheckInput {
	return activities.GitLabCheckInput{
		CIJobCheckRun: contracts.CIJobCheckRun{PromotionID: "promote/foas/1.2", RunID: "run-1", Project: "foas",
			Environment: "staging", Version: "1.2", Index: 2, SecretsAllowed: true},
		Check: pipeline.GitLabCheck{API: f.srv.URL, Projects: projects, Ref: "main",
			Variables: map[string]string{"TARGET": "${DROVER_ENVIRONMENT}"}, Token: pipeline.Credential{Secret: "GITLAB_TOKEN"},
			Timeout: pipeline.Duration(20 * time.Second)},
	}
}

func TestCheckGitLabRunsEveryPipelineInParallel(t *testing.T) {
	f := newFakeGitLab(t, map[string]string{"qa/smoke": "success", "qa/e2e": "success"})
	pa := gitlabActivities(t)
	var res activities.CheckResult
	require.NoError(t, execute(context.Background(), t, pa, pa.CheckGitLab, gitlabInput(f, "qa/smoke", "qa/e2e"), &res))
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range []string{"qa/smoke", "qa/e2e"} {
		require.Equal(t, "main", f.created[p]["ref"])
		require.Equal(t, []any{map[string]any{"key": "TARGET", "value": "staging"}}, f.created[p]["variables"])
	}
	require.Contains(t, res.Detail, "gitlab pipeline qa/smoke #70")
	require.Contains(t, res.Detail, "success: https://gitlab.example.com/qa/e2e/-/pipelines/70")
	log := readKey(t, pa, jenkinsLogKey)
	require.Contains(t, log, "every gitlab pipeline succeeded")
	require.NotContains(t, log, gitlabToken)
}

func TestCheckGitLabFailsNamingTheProject(t *testing.T) {
	f := newFakeGitLab(t, map[string]string{"qa/smoke": "success", "qa/e2e": "failed"})
	pa := gitlabActivities(t)
	appErr := appError(t, execute(context.Background(), t, pa, pa.CheckGitLab, gitlabInput(f, "qa/smoke", "qa/e2e"), nil))
	require.True(t, appErr.NonRetryable())
	require.Equal(t, activities.ErrTypeCheckFailed, appErr.Type())
	require.Regexp(t, `gitlab pipeline qa/e2e #70[12] failed: https://gitlab\.example\.com/qa/e2e/-/pipelines/70[12]`, appErr.Error())
	require.NotContains(t, appErr.Error(), "qa/smoke")
	require.NotContains(t, appErr.Error(), gitlabToken)
	require.NotContains(t, readKey(t, pa, jenkinsLogKey), gitlabToken)
}

func TestCheckGitLabRefused(t *testing.T) {
	f := newFakeGitLab(t, map[string]string{"qa/smoke": "success"})
	pa := gitlabActivities(t)
	appErr := appError(t, execute(context.Background(), t, pa, pa.CheckGitLab, gitlabInput(f, "qa/other"), nil))
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "gitlab project qa/other: pipeline refused: got 404 Not Found")
}
