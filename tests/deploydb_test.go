package tests

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/internal/fakes"
	"github.com/drover-ci/drover/secrets"
	"github.com/drover-ci/drover/workflows"
)

// The credentials of the fake Jenkins, stored as foas's secrets.
const (
	deploydbJenkinsUser  = "drover"
	deploydbJenkinsToken = "e2e-jenkins-token-5f1c"
)

// deploydb is examples/deploydb on a real Temporal server with a worker
// holding foas's secrets: a Jenkins built from its documented remote
// access API (internal/fakes), FOAS's health endpoint and an event sink
// that records the webhooks, all real HTTP servers.
type deploydb struct {
	*harness
	jenkins *fakes.Jenkins
	repo    string
	commit  string
	health  atomic.Int32
	events  *eventSink
	home    string
}

// eventSink records the outgoing webhooks it receives.
type eventSink struct {
	mu     sync.Mutex
	events []webhookEvent
}

// webhookEvent is what the sink reads of an outgoing webhook's body.
type webhookEvent struct {
	Type        string `json:"type"`
	Version     string `json:"version"`
	Environment string `json:"environment"`
}

func (s *eventSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev webhookEvent
	if err := json.Unmarshal(body, &ev); err == nil {
		s.mu.Lock()
		s.events = append(s.events, ev)
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

// of lists "TYPE environment" of the events of version, in arrival order.
func (s *eventSink) of(version string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ev := range s.events {
		if ev.Version == version {
			out = append(out, strings.TrimSpace(ev.Type+" "+ev.Environment))
		}
	}
	return out
}

func newDeployDB(t *testing.T, jobs map[string]string) *deploydb {
	t.Helper()
	d := &deploydb{events: &eventSink{}, home: t.TempDir()}
	t.Setenv("FOAS_HOME", d.home) // the deploy script runs in the worker's environment
	d.jenkins = fakes.NewJenkins(deploydbJenkinsUser, deploydbJenkinsToken, jobs)
	jenkins := httptest.NewServer(d.jenkins)
	t.Cleanup(jenkins.Close)
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healhcheck" {
			http.NotFound(w, r)
			return
		}
		d.health.Add(1)
		fmt.Fprintln(w, "ok")
	}))
	t.Cleanup(health.Close)
	sink := httptest.NewServer(d.events)
	t.Cleanup(sink.Close)

	// An API and a worker sharing a secrets store, as make dev runs them.
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	cipher, err := secrets.CipherFromBase64(base64.StdEncoding.EncodeToString(key))
	require.NoError(t, err)
	var store *secrets.Secrets
	d.harness = newHarness(t, false, releaseTeam(t), func(s *api.Server) {
		store = &secrets.Secrets{Store: s.PromotionLedger.(secrets.Store), Cipher: cipher}
		s.Secrets, s.SecretLedger = store, s.PromotionLedger.(api.SecretLedger)
	})
	d.secrets = store
	d.startWorker()

	// The example, with the stand-ins' addresses replaced by this test's servers.
	d.repo, _ = exampleRepo(t, "deploydb", filepath.Join(t.TempDir(), "deploydb"))
	def, err := os.ReadFile(filepath.Join(d.repo, "drover.yaml"))
	require.NoError(t, err)
	text := strings.NewReplacer("http://127.0.0.1:8089", jenkins.URL,
		"http://127.0.0.1:8090/healhcheck", health.URL+"/healhcheck",
		"http://127.0.0.1:8090/events", sink.URL+"/events",
		"interval: 1s", "interval: 100ms").Replace(string(def))
	require.NotEqual(t, string(def), text)
	d.commit = commitFiles(t, d.repo, map[string]string{"drover.yaml": text})
	// As examples/projects.yaml registers it (bob is an admin, the release
	// team promotes and approves).
	d.register("foas", d.repo, legacyRoles+"    trusted_branches: [main]\n    artifacts: [foas, puppet-foas, puppet-mysql]\n")
	for name, value := range map[string]string{"JENKINS_USER": deploydbJenkinsUser, "JENKINS_TOKEN": deploydbJenkinsToken} {
		require.Equal(t, http.StatusOK, d.doAs("bob", http.MethodPut, "/api/v1/projects/foas/secrets/"+name,
			map[string]string{"value": value}, nil))
	}
	return d
}

// register registers artifact name of version as its CI would, built from
// its own repository at source.
func (d *deploydb) registerArtifact(version, name, source string) (int, rest.PromotionStartedResponse, apiError) {
	d.t.Helper()
	body := map[string]any{"project": "foas", "version": version, "repository": d.repo, "commit": d.commit, "branch": "main",
		"artifacts": []map[string]any{{"name": name, "url": "https://artifacts.example.com/" + name + "/" + source + ".tgz",
			"source_repository": "https://git.example.com/fun/" + name + ".git", "source_version": source}}}
	var raw json.RawMessage
	status := d.doAs("alice", http.MethodPost, "/api/v1/artifacts", body, &raw)
	var started rest.PromotionStartedResponse
	var refused apiError
	_ = json.Unmarshal(raw, &started)
	_ = json.Unmarshal(raw, &refused)
	return status, started, refused
}

// TestDeployDBServicePipeline runs DeployDB's flow (examples/deploydb):
// FOAS 1.4.0's three artifacts are registered through the API by their
// CIs, each with its own source version; the version is promoted along
// devtoprod once the last one is there; jenkins-smoke triggers both Jenkins
// jobs in integ and preprod, status-check calls GET /healhcheck, manual
// holds prod until a release manager approves; the deploys get each
// artifact's source version; what is where shows them per environment;
// the webhooks get ARTIFACT_AVAILABLE, DEPLOY_COMPLETED and
// VERIFICATION_COMPLETED.
func TestDeployDBServicePipeline(t *testing.T) {
	d := newDeployDB(t, map[string]string{"smoke-api": fakes.JenkinsSuccess, "smoke-db": fakes.JenkinsSuccess})
	sources := map[string]string{"foas": "abc123", "puppet-foas": "def456", "puppet-mysql": "789fed"}

	status, started, _ := d.registerArtifact("1.4.0", "foas", sources["foas"])
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, []string{"puppet-foas", "puppet-mysql"}, started.Missing)
	require.Empty(t, started.ID, "no promotion before every artifact is there")
	status, started, _ = d.registerArtifact("1.4.0", "puppet-foas", sources["puppet-foas"])
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, []string{"puppet-mysql"}, started.Missing)
	status, started, _ = d.registerArtifact("1.4.0", "puppet-mysql", sources["puppet-mysql"])
	require.Equal(t, http.StatusAccepted, status)
	id := started.ID
	require.Equal(t, contracts.PromotionID("foas", "1.4.0"), id)

	st := d.waitForPromotion(id, 2*time.Minute, "prod awaiting approval", awaiting("prod"))
	var walked []string
	for _, e := range st.Environments {
		walked = append(walked, e.Name)
	}
	require.Equal(t, []string{"dev-alpha", "dev-beta", "integ", "preprod", "prod"}, walked, "devtoprod, the default pipeline")
	for _, env := range []string{"dev-alpha", "dev-beta", "integ", "preprod"} {
		require.Equal(t, workflows.EnvDeployed, envOf(st, env).State, env)
	}
	integ := envOf(st, "integ")
	require.Len(t, integ.Verify, 2)
	require.Equal(t, "jenkins-smoke", integ.Verify[0].From)
	require.Contains(t, integ.Verify[0].Detail, "jenkins job smoke-api #")
	require.Contains(t, integ.Verify[0].Detail, "jenkins job smoke-db #")
	require.Equal(t, "status-check", integ.Verify[1].From)
	require.Equal(t, 2, d.jenkins.Count("smoke-api"), "integ and preprod ran the smoke jobs")
	require.Equal(t, 2, d.jenkins.Count("smoke-db"))
	require.Equal(t, "preprod", d.jenkins.Triggered()["smoke-db"].Get("TARGET"))
	require.Equal(t, "1.4.0", d.jenkins.Triggered()["smoke-db"].Get("VERSION"))
	require.Empty(t, d.jenkins.Problems())
	require.Equal(t, int32(3), d.health.Load(), "dev-beta's, integ's and preprod's status-check; prod's waits")
	require.Equal(t, "manual", envOf(st, "prod").Gates[0].From)

	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, d.doAs("bob", http.MethodPost, promotionPath(id)+"/approve",
		map[string]string{"environment": "prod", "comment": "ship it"}, &res))
	st = d.waitForPromotion(id, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, int32(4), d.health.Load(), "prod's status-check ran after its deploy")

	// The deploys got each artifact's source version.
	versions, err := os.ReadFile(filepath.Join(d.home, "prod", "VERSIONS"))
	require.NoError(t, err)
	require.Equal(t, "version=1.4.0\nfoas=abc123\npuppet-foas=def456\npuppet-mysql=789fed\n", string(versions))

	// What is where, per artifact.
	var where rest.EnvironmentsResponse
	require.Equal(t, http.StatusOK, d.doAs("alice", http.MethodGet, "/api/v1/environments?project=foas", nil, &where))
	require.Len(t, where.Environments, 5)
	for _, e := range where.Environments {
		require.Equal(t, "1.4.0", e.Version)
		got := map[string]string{}
		for _, a := range e.Artifacts {
			got[a.Name] = a.SourceVersion
		}
		require.Equal(t, sources, got, e.Environment)
	}

	// DeployDB's notifications, each environment's in order.
	require.Eventually(t, func() bool {
		return slices.Contains(d.events.of("1.4.0"), workflows.EventVerificationCompleted+" prod")
	}, 30*time.Second, 100*time.Millisecond, "events: %v", d.events.of("1.4.0"))
	got := d.events.of("1.4.0")
	require.Equal(t, workflows.EventArtifactAvailable, got[0])
	for _, env := range walked {
		require.Contains(t, got, workflows.EventDeployCompleted+" "+env)
	}
	for _, env := range []string{"dev-beta", "integ", "preprod", "prod"} {
		require.Contains(t, got, workflows.EventVerificationCompleted+" "+env)
	}
	require.NotContains(t, got, workflows.EventVerificationCompleted+" dev-alpha", "dev-alpha verifies nothing")
}

// TestDeployDBRefusals: the failures a hidden run of DeployDB's flow
// makes: a version whose second artifact is missing is not promoted, and
// a Jenkins smoke job that fails stops the promotion, naming the job and
// its result.
func TestDeployDBRefusals(t *testing.T) {
	d := newDeployDB(t, map[string]string{"smoke-api": fakes.JenkinsSuccess, "smoke-db": fakes.JenkinsFailure})

	// puppet-foas never comes: registered, not promoted, and a promotion
	// asked for by hand is refused naming it.
	for _, name := range []string{"foas", "puppet-mysql"} {
		status, started, _ := d.registerArtifact("2.0.0", name, "c0ffee")
		require.Equal(t, http.StatusAccepted, status)
		require.Empty(t, started.ID)
	}
	var refused apiError
	require.Equal(t, http.StatusConflict, d.doAs("bob", http.MethodPost, "/api/v1/promotions",
		map[string]string{"project": "foas", "version": "2.0.0"}, &refused))
	require.Equal(t, "incomplete_version", refused.Error.Code)
	require.Contains(t, refused.Error.Message, "version 2.0.0 of foas lacks artifact puppet-foas")
	// An artifact registered again from another source is refused.
	status, _, conflict := d.registerArtifact("2.0.0", "foas", "badbad")
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, conflict.Error.Message, "artifact foas of version 2.0.0 of foas is registered already")

	// smoke-db fails in integ: the promotion stops there.
	var id string
	for _, name := range []string{"foas", "puppet-foas", "puppet-mysql"} {
		_, started, _ := d.registerArtifact("2.1.0", name, "f00d")
		id = started.ID
	}
	require.NotEmpty(t, id)
	st := d.waitForPromotion(id, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionStopped, st.Status)
	integ := envOf(st, "integ")
	require.Equal(t, workflows.EnvFailed, integ.State)
	require.Contains(t, integ.Detail, "jenkins job smoke-db #")
	require.Contains(t, integ.Detail, "FAILURE")
	require.NotContains(t, integ.Detail, "smoke-api #", "only the failing job is named")
	require.NotContains(t, integ.Detail, deploydbJenkinsToken)
	for _, env := range []string{"preprod", "prod"} {
		require.Nil(t, envOf(st, env).Deploy, "nothing after integ ran: %s", env)
	}
	require.Eventually(t, func() bool {
		return slices.Contains(d.events.of("2.1.0"), workflows.EventDeployCompleted+" integ")
	}, 30*time.Second, 100*time.Millisecond)
	require.NotContains(t, d.events.of("2.1.0"), workflows.EventVerificationCompleted+" integ")
	require.Empty(t, d.events.of("2.0.0"), "an incomplete version announces nothing")
}
