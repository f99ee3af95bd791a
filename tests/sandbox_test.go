package tests

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"google.golang.org/protobuf/proto"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/secrets"
	"github.com/drover-ci/drover/workflows"
)

// Secrets of the worker's own configuration: no task may see them.
const (
	fakeAWSSecret     = "worker-aws-secret-AKIAFAKE0001"
	fakeSlackToken    = "xoxb-worker-slack-token-0002"
	fakeWebhookSecret = "worker-webhook-hmac-secret-0003"
	fakePollToken     = "worker-poll-token-0004"
	fakeSinkToken     = "sink-url-token-0005"
)

// sandboxHarness is a harness whose API manages secrets with a fresh key,
// and the environment of a worker process sharing it, its configuration
// full of secrets.
func sandboxHarness(t *testing.T) (*harness, *secrets.Secrets, []string) {
	t.Helper()
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	keyB64 := base64.StdEncoding.EncodeToString(key)
	cipher, err := secrets.CipherFromBase64(keyB64)
	require.NoError(t, err)
	var store *secrets.Secrets
	h := newHarness(t, false, func(s *api.Server) {
		store = &secrets.Secrets{Store: s.PromotionLedger.(secrets.Store), Cipher: cipher}
		s.Secrets, s.SecretLedger = store, s.PromotionLedger.(api.SecretLedger)
	})
	env := []string{
		"DROVER_SECRETS_KEY=" + keyB64,
		"AWS_SECRET_ACCESS_KEY=" + fakeAWSSecret,
		"DROVER_SLACK_TOKEN=" + fakeSlackToken,
		"DROVER_WEBHOOK_SECRET=" + fakeWebhookSecret,
		"DROVER_POLL_TOKEN=" + fakePollToken,
	}
	return h, store, env
}

// workerSecrets are the values no script output may ever hold.
func workerSecrets(env []string) []string {
	out := []string{fakeAWSSecret, fakeSlackToken, fakeWebhookSecret, fakePollToken, fakeSinkToken}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "DROVER_SECRETS_KEY="); ok {
			out = append(out, v)
		}
	}
	return out
}

// webhookSink records the bodies POSTed to it.
type webhookSink struct {
	mu     sync.Mutex
	bodies []string
	srv    *httptest.Server
}

func newWebhookSink(t *testing.T) *webhookSink {
	s := &webhookSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.mu.Unlock()
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *webhookSink) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.bodies, "\n")
}

// historyBytes is the whole history of a run, serialized: payloads are JSON
// inside, so a value anywhere in it is a substring.
func historyBytes(t *testing.T, h *harness, id, runID string) []byte {
	t.Helper()
	iter := h.client.GetWorkflowHistory(context.Background(), id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var all []byte
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		b, err := proto.Marshal(ev)
		require.NoError(t, err)
		all = append(all, b...)
	}
	require.NotEmpty(t, all)
	return all
}

func TestSandboxedTasksSeeNoWorkerSecretAndOnlyMaskedOwnSecrets(t *testing.T) {
	h, _, env := sandboxHarness(t)
	sink := newWebhookSink(t)
	env = append(env, "DROVER_NOTIFY_WEBHOOKS="+sink.srv.URL+"/hook?token="+fakeSinkToken)
	h.startWorkerProcess(env...)

	const deployToken = "vault-deploy-token-7f3a9c"
	const cert = "-----BEGIN CERT-----\nvault-cert-line-one-91\n-----END CERT-----"
	const otherSecret = "other-project-secret-5e1d"
	put := func(project, name, value string) {
		require.Equal(t, http.StatusOK, h.do(http.MethodPut, "/api/v1/projects/"+project+"/secrets/"+name,
			map[string]string{"value": value}, nil))
	}
	put("vault", "DEPLOY_TOKEN", deployToken)
	put("vault", "CERT", cert)
	put("other", "OTHER_TOKEN", otherSecret)

	// The listing never holds a value.
	var list api.SecretList
	require.Equal(t, http.StatusOK, h.do(http.MethodGet, "/api/v1/projects/vault/secrets", nil, &list))
	require.Len(t, list.Secrets, 2)

	dump := `
echo "== env"; env | sort
echo "== procs"
for f in /proc/[0-9]*/environ; do echo "$f"; tr '\0' '\n' < "$f" 2>/dev/null || true; done
echo "== end"
`
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: vault
build:
  stages:
    - name: leak
      tasks:
        - name: holder
          checkout: false
          secrets: [DEPLOY_TOKEN, {name: CERT, as: file}, OTHER_TOKEN_MISSING_IS_NOT_HERE]
          run: "true"
        - name: dump
          checkout: false
          secrets: [DEPLOY_TOKEN, {name: CERT, as: file}]
          run: |
` + indent(dump, 12) + `
            echo "token=$DEPLOY_TOKEN"
            echo "b64=$(printf %s "$DEPLOY_TOKEN" | base64 -w0)"
            echo "url=https://x.example/?t=$DEPLOY_TOKEN"
            echo "cert=$(grep line-one "$DROVER_SECRETS_DIR/CERT")"
            printf 'split=%s' "${DEPLOY_TOKEN:0:7}"; sleep 0.3; printf '%s\n' "${DEPLOY_TOKEN:7}"
            echo "other=${OTHER_TOKEN:-none}"
            sleep 3
            exit 3
        - name: snoop
          checkout: false
          run: |
            for i in 1 2 3 4 5 6; do
` + indent(dump, 14) + `
              sleep 0.4
            done
`})
	// holder names a secret the project does not have: it fails at once, never runs.
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	final := h.waitFor(created.ID, 90*time.Second, "the end", finished)
	require.Equal(t, workflows.StatusFailed, final.Status)

	holder := taskOf(final, "leak", "holder")
	require.Equal(t, workflows.TaskFailed, holder.Status)
	require.Contains(t, h.taskLogText("leak", "holder", created.ID), "secret OTHER_TOKEN_MISSING_IS_NOT_HERE is not set for project vault")

	dumpTask := taskOf(final, "leak", "dump")
	require.Equal(t, workflows.TaskFailed, dumpTask.Status)
	logText := h.taskLogText("leak", "dump", created.ID)
	snoopLog := h.taskLogText("leak", "snoop", created.ID)
	for _, want := range []string{"token=***\n", "b64=***\n", "url=https://x.example/?t=***\n", "cert=***\n", "split=***\n", "other=none\n", "== end"} {
		require.Contains(t, logText, want)
	}
	require.Contains(t, dumpTask.OutputTail, "token=***")
	require.Contains(t, snoopLog, "== end")
	// The sandbox's /proc holds the task's own processes only.
	require.NotContains(t, logText, "drover-worker")

	forbidden := append(workerSecrets(env), deployToken, "vault-cert-line-one-91", otherSecret,
		base64.StdEncoding.EncodeToString([]byte(deployToken)), "AWS_SECRET_ACCESS_KEY")
	var state bytes.Buffer
	resp, err := http.Get(h.api.URL + buildPath(created.ID))
	require.NoError(t, err)
	_, _ = io.Copy(&state, resp.Body)
	resp.Body.Close()
	hist := historyBytes(t, h, created.ID, created.RunID)
	require.Eventually(t, func() bool { return strings.Contains(sink.all(), `"project":"vault"`) },
		30*time.Second, 100*time.Millisecond, "the webhook sink got the build's events")
	for _, secret := range forbidden {
		require.NotContains(t, logText, secret, "task log")
		require.NotContains(t, snoopLog, secret, "log of a task of the same build without secrets")
		require.NotContains(t, state.String(), secret, "build state from the API")
		require.False(t, bytes.Contains(hist, []byte(secret)), "Temporal history holds %q", secret)
		require.NotContains(t, sink.all(), secret, "webhook sink")
	}
}

func TestUntrustedBranchesAndOtherProjectsGetNoSecret(t *testing.T) {
	h, store, env := sandboxHarness(t)
	h.startWorkerProcess(env...)
	const value = "trusted-only-value-3b8e"
	require.NoError(t, store.Set(context.Background(), "vault", "", "DEPLOY_TOKEN", []byte(value), "test"))

	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: vault
build:
  stages:
    - name: s
      tasks:
        - {name: t, checkout: false, secrets: [DEPLOY_TOKEN], run: 'echo "token=${DEPLOY_TOKEN:-none}"'}
`})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main", "branch": "feature/x"}, &created))
	final := h.waitFor(created.ID, 60*time.Second, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, final.Status)
	logText := h.taskLogText("s", "t", created.ID)
	require.Contains(t, logText, "secrets withheld")
	require.Contains(t, logText, "token=none\n")
	require.NotContains(t, logText, value)

	// A project that names another project's secret does not get it.
	other, _ := gitRepo(t, map[string]string{"drover.yaml": `project: intruder
build:
  stages:
    - name: s
      tasks:
        - {name: t, checkout: false, secrets: [DEPLOY_TOKEN], run: 'echo "token=${DEPLOY_TOKEN:-none}"'}
`})
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": other, "commit": "main", "branch": "main"}, &created))
	final = h.waitFor(created.ID, 60*time.Second, "the end", finished)
	require.Equal(t, workflows.StatusFailed, final.Status)
	logText = h.taskLogText("s", "t", created.ID)
	require.Contains(t, logText, "secret DEPLOY_TOKEN is not set for project intruder")
	require.NotContains(t, logText, "token=")
	require.NotContains(t, logText, value)
}

// markedProcesses counts the host's processes whose command line starts with marker.
func markedProcesses(t *testing.T, marker string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.HasPrefix(b, []byte(marker)) {
			n++
		}
	}
	return n
}

func TestSIGKILLedWorkerLeavesNoTaskProcess(t *testing.T) {
	h, _, env := sandboxHarness(t)
	worker := h.startWorkerProcess(env...)
	marker := "drover-marker-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": `project: orphans
build:
  stages:
    - name: s
      tasks:
` + func() string {
		var b strings.Builder
		for i := range 3 {
			fmt.Fprintf(&b, `        - name: t%d
          checkout: false
          run: |
            (exec -a %s sleep 300) &
            setsid bash -c 'exec -a %s sleep 300' &
            nohup bash -c 'exec -a %s sleep 300' >/dev/null 2>&1 &
            exec -a %s sleep 300
`, i, marker, marker, marker, marker)
		}
		return b.String()
	}()})
	var created createResp
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds", map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	require.Eventually(t, func() bool { return markedProcesses(t, marker) == 12 }, 60*time.Second, 100*time.Millisecond,
		"the tasks' 12 processes running")

	require.NoError(t, worker.Process.Signal(syscall.SIGKILL))
	_ = worker.Wait()
	time.Sleep(2 * time.Second)
	require.Zero(t, markedProcesses(t, marker), "processes of the tasks outlived their worker")
	require.NoError(t, h.client.TerminateWorkflow(context.Background(), created.ID, "", "test over"))
}

func TestKilledAndRetriedDeployNeverOverlaps(t *testing.T) {
	h, _, env := sandboxHarness(t)
	dir := t.TempDir()
	record := filepath.Join(dir, "deploys.log")
	env = append(env, "DROVER_SANDBOX_BINDS="+dir)
	first := h.startWorkerProcess(env...)
	definition := `project: fenced
build:
  stages: [{name: s, tasks: [{name: t, run: "true"}]}]
promotion:
  environments:
    - name: prod
      deploy:
        shell: |
          id=$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')
          echo "start $id" >> ` + record + `
          for i in $(seq 1 15); do echo "tick $id" >> ` + record + `; sleep 0.2; done
          echo "end $id" >> ` + record + `
`
	var started struct{ ID string }
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "fenced", "version": "1.0", "commit": strings.Repeat("c", 40), "branch": "main", "definition": definition,
	}, &started))
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(record)
		return strings.Count(string(b), "tick") >= 2
	}, 60*time.Second, 50*time.Millisecond, "the first deploy attempt running")
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	h.startWorkerProcess(env...)

	st := h.waitForPromotion(started.ID, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	b, err := os.ReadFile(record)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// Lines are appended in the order they happen: attempts must not interleave.
	var order []string
	ended := map[string]bool{}
	for _, l := range lines {
		kind, id, _ := strings.Cut(l, " ")
		if len(order) == 0 || order[len(order)-1] != id {
			require.NotContains(t, order, id, "attempt %s ran again after another one started:\n%s", id, b)
			order = append(order, id)
		}
		if kind == "end" {
			ended[id] = true
		}
	}
	require.Len(t, order, 2, "one killed attempt, one retry:\n%s", b)
	require.False(t, ended[order[0]], "the killed attempt went on:\n%s", b)
	require.True(t, ended[order[1]], "the retry finished:\n%s", b)
}

func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	var b strings.Builder
	for _, l := range strings.Split(strings.Trim(s, "\n"), "\n") {
		b.WriteString(pad + l + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestServiceDeployOutlivesItsSandboxedScript(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("service deploys run as uid 65534, which needs a root worker")
	}
	h, store, env := sandboxHarness(t)
	// The service runs as uid 65534: its bind must be reachable by it (a
	// t.TempDir sits in a 0700 directory).
	dir, err := os.MkdirTemp("", "drover-service-bind-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o777))
	env = append(env, "DROVER_SANDBOX_BINDS="+dir)
	h.startWorkerProcess(env...)
	require.NoError(t, store.Set(context.Background(), "svc", "prod", "SERVICE_TOKEN", []byte("service-token-value-77"), "test"))
	definition := `project: svc
build:
  stages: [{name: s, tasks: [{name: t, run: "true"}]}]
promotion:
  environments:
    - name: prod
      deploy:
        service: true
        secrets: [SERVICE_TOKEN]
        shell: |
          setsid bash -c 'echo "$SERVICE_TOKEN" > ` + dir + `/seen; exec sleep 300' >/dev/null 2>&1 < /dev/null &
          echo $! > ` + dir + `/pid
          id -u > ` + dir + `/uid
          echo "::output token=$SERVICE_TOKEN"
`
	var started struct{ ID string }
	require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "svc", "version": "1.0", "commit": strings.Repeat("d", 40), "branch": "main", "definition": definition,
	}, &started))
	st := h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	require.Equal(t, "***", envOf(st, "prod").Deploy.Outputs["token"], "outputs are masked")

	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, filepath.Join(dir, "pid"))))
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	require.NoError(t, syscall.Kill(pid, 0), "the service outlived its deploy")
	require.Equal(t, "65534\n", readFile(t, filepath.Join(dir, "uid")))
	require.Eventually(t, func() bool { return readFile(t, filepath.Join(dir, "seen")) == "service-token-value-77\n" },
		5*time.Second, 50*time.Millisecond, "the service got its secret")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return ""
	}
	require.NoError(t, err)
	return string(b)
}

// TestRegisteredNetworkNoneKeepsTasksOffLoopback: the worker takes the
// network of a project's tasks from the projects file, never from
// drover.yaml: a task of a project registered with network none cannot
// reach a loopback HTTP server that a task of a host project reaches.
func TestRegisteredNetworkNoneKeepsTasksOffLoopback(t *testing.T) {
	const marker = "loopback-service-answer-6d2f"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, marker)
	}))
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	probe := func(project string) map[string]string {
		return map[string]string{"drover.yaml": fmt.Sprintf(`project: %s
build:
  stages:
    - name: s
      tasks:
        - name: probe
          checkout: false
          run: |
            if exec 3<>/dev/tcp/127.0.0.1/%d; then
              printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
              cat <&3
              echo; echo "reached"
            else
              echo "unreachable"
            fi
`, project, port)}
	}
	closedRepo, _ := gitRepo(t, probe("closed"))
	openRepo, _ := gitRepo(t, probe("open"))

	h := newHarness(t, false)
	projects := filepath.Join(h.dataDir, "worker-projects.yaml")
	require.NoError(t, os.WriteFile(projects, []byte(fmt.Sprintf(`projects:
  - name: closed
    paths: [%q]
    network: {task: none}
  - name: open
    paths: [%q]
    network: {task: host}
`, closedRepo, openRepo)), 0o600))
	// The worker's default is host: only the registration closes the network.
	h.startWorkerProcess("DROVER_PROJECTS_FILE="+projects, "DROVER_SANDBOX_NETWORK=host")

	for _, tc := range []struct {
		repo, want, notWant string
	}{
		{openRepo, marker, "unreachable"},
		{closedRepo, "unreachable", marker},
	} {
		var created createResp
		require.Equal(t, http.StatusAccepted, h.do(http.MethodPost, "/api/v1/builds",
			map[string]any{"repository": tc.repo, "commit": "main", "branch": "main"}, &created))
		final := h.waitFor(created.ID, 60*time.Second, "the end", finished)
		require.Equal(t, workflows.StatusSucceeded, final.Status)
		logText := h.taskLogText("s", "probe", created.ID)
		require.Contains(t, logText, tc.want, "log of %s", tc.repo)
		require.NotContains(t, logText, tc.notWant, "log of %s", tc.repo)
	}
}
