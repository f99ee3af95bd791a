package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// Credentials of the fake Jenkins, stored as foas's secrets.
const (
	jenkinsUser  = "drover-bot"
	jenkinsToken = "11a2b3c4d5e6f7jenkins-token"
)

// fakeJenkins plays Jenkins' remote access API as documented: a crumb
// issuer (or 404 with CSRF off), POST /job/<name>/build(WithParameters) →
// 201 with the queue item in Location, a queue item that first waits and
// then names its build (or is cancelled), a build that is building and then
// has a result. Builds keep building until every job was triggered, so jobs
// run one after another would never end.
type fakeJenkins struct {
	t       *testing.T
	srv     *httptest.Server
	csrfOff bool
	// results are the builds' results by job ("team/e2e"); "" keeps building,
	// "CANCELLED" cancels the queue item.
	results map[string]string

	mu        sync.Mutex
	triggered map[string]url.Values // by job, the parameters each got
	paths     map[string]string     // by job, the trigger's last path element
	queue     map[int]string        // queue item → job
	polls     map[int]int
	problems  []string
}

func newFakeJenkins(t *testing.T, results map[string]string) *fakeJenkins {
	f := &fakeJenkins{t: t, results: results, triggered: map[string]url.Values{}, paths: map[string]string{},
		queue: map[int]string{}, polls: map[int]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeJenkins) problem(format string, args ...any) {
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func (f *fakeJenkins) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != jenkinsUser || p != jenkinsToken {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	path := r.URL.Path
	switch {
	case path == "/crumbIssuer/api/json":
		if f.csrfOff {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, map[string]string{"_class": "hudson.security.csrf.DefaultCrumbIssuer", "crumb": "crumb-42", "crumbRequestField": "Jenkins-Crumb"})
	case r.Method == http.MethodPost:
		if !f.csrfOff && r.Header.Get("Jenkins-Crumb") != "crumb-42" {
			f.problem("POST %s without the crumb", path)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		rest, action, _ := strings.Cut(strings.TrimPrefix(path, "/job/"), "/build")
		job := strings.ReplaceAll(rest, "/job/", "/")
		if _, known := f.results[job]; !known {
			http.NotFound(w, r)
			return
		}
		require.NoError(f.t, r.ParseForm())
		f.triggered[job], f.paths[job] = r.PostForm, "build"+action
		n := len(f.queue) + 1
		f.queue[n] = job
		w.Header().Set("Location", f.srv.URL+"/queue/item/"+strconv.Itoa(n)+"/")
		w.WriteHeader(http.StatusCreated)
	case strings.HasPrefix(path, "/queue/item/"):
		n, _ := strconv.Atoi(strings.Split(strings.TrimPrefix(path, "/queue/item/"), "/")[0])
		job := f.queue[n]
		f.polls[n]++
		switch {
		case f.polls[n] == 1:
			writeJSON(w, map[string]any{"id": n, "why": "Waiting for next available executor", "cancelled": false})
		case f.results[job] == "CANCELLED":
			writeJSON(w, map[string]any{"id": n, "cancelled": true})
		default:
			// Jenkins builds the URL from its configured root URL, here another host.
			writeJSON(w, map[string]any{"id": n, "executable": map[string]any{
				"number": 42, "url": "https://jenkins-root.invalid" + pipeline.JenkinsJobPath(job) + "/42/"}})
		}
	case strings.HasSuffix(path, "/api/json"):
		parts := strings.Split(strings.TrimSuffix(path, "/api/json"), "/")
		job := strings.ReplaceAll(strings.TrimPrefix(strings.Join(parts[:len(parts)-1], "/"), "/job/"), "/job/", "/")
		building := len(f.triggered) < len(f.results) || f.results[job] == ""
		body := map[string]any{"building": building, "result": nil, "number": 42}
		if !building {
			body["result"] = f.results[job]
		}
		writeJSON(w, body)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// jenkinsActivities are promotion activities holding foas's Jenkins
// credentials as secrets, polling fast.
func jenkinsActivities(t *testing.T) *activities.PromotionActivities {
	pa, _ := newPromotionActivities(t)
	s := environmentSecrets(t)
	for name, value := range map[string]string{"JENKINS_USER": jenkinsUser, "JENKINS_TOKEN": jenkinsToken} {
		require.NoError(t, s.Set(context.Background(), "foas", "", name, []byte(value), "test"))
	}
	pa.Tasks.Secrets, pa.JenkinsPoll = s, 10*time.Millisecond
	return pa
}

func jenkinsInput(f *fakeJenkins, jobs ...string) activities.JenkinsCheckInput {
	return activities.JenkinsCheckInput{
		CIJobCheckRun: contracts.CIJobCheckRun{PromotionID: "promote/foas/1.2", RunID: "run-1", Project: "foas",
			Environment: "staging", Version: "1.2", Index: 2, SecretsAllowed: true},
		Check: pipeline.JenkinsCheck{URL: f.srv.URL, Jobs: jobs,
			Parameters: map[string]string{"TARGET": "${DROVER_ENVIRONMENT}", "VERSION": "v${DROVER_VERSION}", "HOME": "${HOME}"},
			User:       pipeline.Credential{Secret: "JENKINS_USER"}, Token: pipeline.Credential{Secret: "JENKINS_TOKEN"},
			Timeout: pipeline.Duration(20 * time.Second)},
	}
}

const jenkinsLogKey = "promotions/promote%2Ffoas%2F1.2/run-1/staging/verify-2.log"

func TestCheckJenkinsRunsEveryJobInParallel(t *testing.T) {
	f := newFakeJenkins(t, map[string]string{"smoke-api": "SUCCESS", "team/e2e": "SUCCESS"})
	pa := jenkinsActivities(t)
	var res activities.CheckResult
	require.NoError(t, execute(context.Background(), t, pa, pa.CheckJenkins, jenkinsInput(f, "smoke-api", "team/e2e"), &res))

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Empty(t, f.problems)
	for _, job := range []string{"smoke-api", "team/e2e"} {
		require.Equal(t, "buildWithParameters", f.paths[job])
		require.Equal(t, url.Values{"TARGET": {"staging"}, "VERSION": {"v1.2"}, "HOME": {"${HOME}"}}, f.triggered[job])
	}
	require.Contains(t, res.Detail, "jenkins job smoke-api #42")
	require.Contains(t, res.Detail, "SUCCESS: "+f.srv.URL+"/job/smoke-api/42/")
	require.Contains(t, res.Detail, f.srv.URL+"/job/team/job/e2e/42/")
	require.Equal(t, jenkinsLogKey, res.LogKey)
	log := readKey(t, pa, jenkinsLogKey)
	require.Contains(t, log, "jenkins job team/e2e #42")
	require.Contains(t, log, "every jenkins job succeeded")
	require.NotContains(t, log, jenkinsToken)
}

func TestCheckJenkinsFailsNamingTheJob(t *testing.T) {
	tests := []struct {
		name    string
		results map[string]string
		csrfOff bool
		want    string
	}{
		{"failure", map[string]string{"smoke-api": "SUCCESS", "smoke-ui": "FAILURE"}, false, "jenkins job smoke-ui #42"},
		{"unstable without csrf", map[string]string{"smoke-api": "UNSTABLE", "smoke-ui": "SUCCESS"}, true, "jenkins job smoke-api #42"},
		{"cancelled in queue", map[string]string{"smoke-api": "SUCCESS", "smoke-ui": "CANCELLED"}, false, "jenkins job smoke-ui: cancelled in the Jenkins queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeJenkins(t, tt.results)
			f.csrfOff = tt.csrfOff
			pa := jenkinsActivities(t)
			err := execute(context.Background(), t, pa, pa.CheckJenkins, jenkinsInput(f, "smoke-api", "smoke-ui"), nil)
			appErr := appError(t, err)
			require.True(t, appErr.NonRetryable())
			require.Equal(t, activities.ErrTypeCheckFailed, appErr.Type())
			require.Contains(t, appErr.Error(), tt.want)
			for job, result := range tt.results {
				if result != "SUCCESS" && result != "CANCELLED" {
					require.Contains(t, appErr.Error(), fmt.Sprintf("%s: %s/job/%s/42/", result, f.srv.URL, job))
				}
			}
			require.NotContains(t, appErr.Error(), jenkinsToken)
			log := readKey(t, pa, jenkinsLogKey)
			require.Contains(t, log, tt.want)
			require.NotContains(t, log, jenkinsToken)
			f.mu.Lock()
			defer f.mu.Unlock()
			require.Empty(t, f.problems)
		})
	}
}

func TestCheckJenkinsWithoutParametersUsesBuild(t *testing.T) {
	f := newFakeJenkins(t, map[string]string{"nightly": "SUCCESS"})
	pa := jenkinsActivities(t)
	in := jenkinsInput(f, "nightly")
	in.Check.Parameters = nil
	require.NoError(t, execute(context.Background(), t, pa, pa.CheckJenkins, in, nil))
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, "build", f.paths["nightly"])
}

func TestCheckJenkinsTimesOut(t *testing.T) {
	f := newFakeJenkins(t, map[string]string{"smoke-api": "SUCCESS", "soak": ""})
	pa := jenkinsActivities(t)
	in := jenkinsInput(f, "smoke-api", "soak")
	in.Check.Timeout = pipeline.Duration(300 * time.Millisecond)
	err := execute(context.Background(), t, pa, pa.CheckJenkins, in, nil)
	appErr := appError(t, err)
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "jenkins job soak #42 RUNNING: "+f.srv.URL+"/job/soak/42/: not finished after 300ms")
	require.NotContains(t, appErr.Error(), "smoke-api")
}

func TestCheckJenkinsCredentials(t *testing.T) {
	t.Run("withheld from an untrusted branch", func(t *testing.T) {
		f := newFakeJenkins(t, map[string]string{"smoke-api": "SUCCESS"})
		pa := jenkinsActivities(t)
		in := jenkinsInput(f, "smoke-api")
		in.SecretsAllowed = false
		appErr := appError(t, execute(context.Background(), t, pa, pa.CheckJenkins, in, nil))
		require.True(t, appErr.NonRetryable())
		require.Contains(t, appErr.Error(), "jenkins credentials withheld")
		f.mu.Lock()
		defer f.mu.Unlock()
		require.Empty(t, f.triggered)
	})
	t.Run("refused", func(t *testing.T) {
		f := newFakeJenkins(t, map[string]string{"smoke-api": "SUCCESS"})
		pa := jenkinsActivities(t)
		in := jenkinsInput(f, "smoke-api")
		in.Check.Token = pipeline.Credential{Secret: "API_TOKEN"} // foas's, but not Jenkins'
		appErr := appError(t, execute(context.Background(), t, pa, pa.CheckJenkins, in, nil))
		require.True(t, appErr.NonRetryable())
		require.Contains(t, appErr.Error(), "credentials refused: got 401")
		require.NotContains(t, appErr.Error(), projectAPIToken)
		require.NotContains(t, readKey(t, pa, jenkinsLogKey), projectAPIToken)
	})
}
