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
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/internal/fakes"
	"github.com/drover-ci/drover/pipeline"
)

// Credentials of the fake Jenkins, stored as foas's secrets.
const (
	jenkinsUser  = "drover-bot"
	jenkinsToken = "11a2b3c4d5e6f7jenkins-token"
)

// fakeJenkins is the shared fake Jenkins (internal/fakes) on a test server.
type fakeJenkins struct {
	*fakes.Jenkins
	srv *httptest.Server
}

func newFakeJenkins(t *testing.T, results map[string]string) *fakeJenkins {
	j := fakes.NewJenkins(jenkinsUser, jenkinsToken, results)
	srv := httptest.NewServer(j)
	t.Cleanup(srv.Close)
	return &fakeJenkins{Jenkins: j, srv: srv}
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

	require.Empty(t, f.Problems())
	for _, job := range []string{"smoke-api", "team/e2e"} {
		require.Equal(t, "buildWithParameters", f.Path(job))
		require.Equal(t, url.Values{"TARGET": {"staging"}, "VERSION": {"v1.2"}, "HOME": {"${HOME}"}}, f.Triggered()[job])
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
			f.CSRFOff = tt.csrfOff
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
			require.Empty(t, f.Problems())
		})
	}
}

func TestCheckJenkinsWithoutParametersUsesBuild(t *testing.T) {
	f := newFakeJenkins(t, map[string]string{"nightly": "SUCCESS"})
	pa := jenkinsActivities(t)
	in := jenkinsInput(f, "nightly")
	in.Check.Parameters = nil
	require.NoError(t, execute(context.Background(), t, pa, pa.CheckJenkins, in, nil))
	require.Equal(t, "build", f.Path("nightly"))
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
		require.Empty(t, f.Triggered())
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

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// A retried jenkins check (its worker was lost) follows the jobs the
// earlier attempt triggered, from the queue items its heartbeat recorded,
// and triggers only the others.
func TestCheckJenkinsRetryFollowsJobsAlreadyTriggered(t *testing.T) {
	f := newFakeJenkins(t, map[string]string{"smoke-api": "SUCCESS", "smoke-db": "SUCCESS"})
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/job/smoke-api/buildWithParameters", strings.NewReader("TARGET=staging"))
	require.NoError(t, err)
	req.SetBasicAuth(jenkinsUser, jenkinsToken)
	req.Header.Set("Jenkins-Crumb", "crumb-42")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	queued := resp.Header.Get("Location")

	pa := jenkinsActivities(t)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(pa)
	env.SetHeartbeatDetails(map[string]any{"jobs": map[string]any{"smoke-api": map[string]any{"queue": queued}}})
	val, err := env.ExecuteActivity(pa.CheckJenkins, jenkinsInput(f, "smoke-api", "smoke-db"))
	require.NoError(t, err)
	var res activities.CheckResult
	require.NoError(t, val.Get(&res))
	require.Equal(t, 1, f.Count("smoke-api"), "not triggered again")
	require.Equal(t, 1, f.Count("smoke-db"))
	require.Contains(t, res.Detail, "jenkins job smoke-api #42 SUCCESS")
	require.Contains(t, readKey(t, pa, jenkinsLogKey), "jenkins job smoke-api: triggered by an earlier attempt, followed again")
}

// A jenkins check cancelled (its promotion was) stops the builds it
// started, as Jenkins documents (POST <build>/stop), or cancels their
// queue items.
func TestCheckJenkinsCancelledStopsItsJobs(t *testing.T) {
	f := newFakeJenkins(t, map[string]string{"smoke-api": "", "smoke-db": ""}) // they keep building
	pa := jenkinsActivities(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for f.BuildPolls("smoke-api") == 0 || f.BuildPolls("smoke-db") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel() // both are building
	}()
	err := execute(ctx, t, pa, pa.CheckJenkins, jenkinsInput(f, "smoke-api", "smoke-db"), nil)
	require.ErrorContains(t, err, "cancelled")
	require.ElementsMatch(t, []string{"smoke-api#42", "smoke-db#42"}, f.Stopped())
	log := readKey(t, pa, jenkinsLogKey)
	require.Contains(t, log, "jenkins job smoke-api #42: stopped (the check was cancelled)")
}

// stopAnswer is a fake Jenkins answering status to POST <build>/stop.
type stopAnswer struct {
	http.ResponseWriter
	status int
}

func (w stopAnswer) WriteHeader(int) {
	if w.status == http.StatusFound {
		w.Header().Set("Location", "../")
	}
	w.ResponseWriter.WriteHeader(w.status)
}

// Jenkins answers a stop with a redirect (302), which a cancelled check
// counts as stopped; an error answer it logs as not stopped.
func TestCheckJenkinsCancelledStopAnswers(t *testing.T) {
	for status, want := range map[int]string{
		http.StatusFound:               "jenkins job smoke-api #42: stopped (the check was cancelled)",
		http.StatusInternalServerError: "jenkins job smoke-api #42: not stopped: got 500 Internal Server Error",
	} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			j := fakes.NewJenkins(jenkinsUser, jenkinsToken, map[string]string{"smoke-api": ""}) // it keeps building
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/stop") {
					w = stopAnswer{ResponseWriter: w, status: status}
				}
				j.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			f := &fakeJenkins{Jenkins: j, srv: srv}
			pa := jenkinsActivities(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for f.BuildPolls("smoke-api") == 0 {
					time.Sleep(5 * time.Millisecond)
				}
				cancel()
			}()
			err := execute(ctx, t, pa, pa.CheckJenkins, jenkinsInput(f, "smoke-api"), nil)
			require.ErrorContains(t, err, "cancelled")
			require.Equal(t, []string{"smoke-api#42"}, f.Stopped())
			require.Contains(t, readKey(t, pa, jenkinsLogKey), want)
		})
	}
}
