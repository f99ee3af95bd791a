package api

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/workflows"
)

// commitRepo is a git repository made by a test, one commit at a time.
type commitRepo struct {
	t   *testing.T
	dir string
}

func newCommitRepo(t *testing.T) *commitRepo {
	dir := filepath.Join(t.TempDir(), "repo")
	out, err := exec.Command("git", "init", "-q", "-b", "main", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return &commitRepo{t: t, dir: dir}
}

// commit writes drover.yaml (removing it when content is empty) and returns the new commit.
func (r *commitRepo) commit(content string) string {
	path := filepath.Join(r.dir, "drover.yaml")
	if content == "" {
		_ = os.Remove(path)
	} else {
		require.NoError(r.t, os.WriteFile(path, []byte(content), 0o644))
	}
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", "change")
	return r.git("rev-parse", "HEAD")
}

func (r *commitRepo) git(args ...string) string {
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// TestWithRealDependencies drives the handlers over the real git source,
// definition parser, SQLite ledger and log store; only Temporal is faked.
func TestWithRealDependencies(t *testing.T) {
	ctx := t.Context()
	data := t.TempDir()
	led, err := ledger.Open(ctx, filepath.Join(data, "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = led.Close() })
	logs := logstore.New(filepath.Join(data, "logs"))
	builds := newFakeBuilds()
	srv := &Server{Builds: builds, History: led, Source: gitsource.New(filepath.Join(data, "git")), Logs: logs,
		PublicURL: "http://drover.test", LogPollInterval: 5 * time.Millisecond, StatePollInterval: 10 * time.Millisecond}
	ts := &testServer{Server: srv}
	repo := newCommitRepo(t)

	noDef := repo.commit("")
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+repo.dir+`"}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Equal(t, "no drover.yaml at "+noDef, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)

	repo.commit(badYAML)
	rec = ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+repo.dir+`", "commit": "main"}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"line":8`)

	rec = ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+repo.dir+`", "commit": "nope"}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Equal(t, "bad_repository", decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)

	good := repo.commit(goodYAML)
	rec = ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+repo.dir+`", "commit": "`+good[:10]+`", "branch": "main"}`)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	id := decodeBody[CreateBuildResponse](t, rec.Body.Bytes()).ID
	require.Equal(t, "build/demo/"+good, id)
	require.Equal(t, 3, builds.started[0].Plan.TaskCount())

	// The task's log, written by the log store's writer while it runs.
	st, _ := builds.State(ctx, id, "")
	st.Stages = []workflows.StageState{{Name: "verify", Tasks: []workflows.TaskState{{Name: "unit", Status: workflows.TaskBuilding}}}}
	builds.set(st)
	w, err := logs.Writer(logstore.TaskKey(id, st.RunID, "verify", "unit"))
	require.NoError(t, err)
	_, err = w.Write([]byte("hello\n"))
	require.NoError(t, err)
	server := httptestServer(t, srv.Handler())
	resp, err := http.Get(server.URL + "/api/v1/builds/" + strings.ReplaceAll(id, "/", "%2F") + "/tasks/unit/log?follow=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	events := readEvents(t, resp)
	require.True(t, strings.HasSuffix(nextEvent(t, events).data, " hello"), "lines carry a timestamp")
	_, err = w.Write([]byte("world\n"))
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(nextEvent(t, events).data, " world"))
	require.NoError(t, w.Close())
	st.Stages[0].Tasks[0].Status = workflows.TaskSucceeded
	builds.set(st)
	require.Equal(t, sseEvent{name: "end", data: "succeeded"}, nextEvent(t, events))

	rec = ts.do(t, http.MethodGet, "/api/v1/builds/"+strings.ReplaceAll(id, "/", "%2F")+"/tasks/verify/unit/log", "")
	require.Equal(t, http.StatusOK, rec.Code)
	body, _ := io.ReadAll(rec.Body)
	require.Equal(t, 2, strings.Count(string(body), "\n"))

	// Past Temporal's retention, the ledger answers.
	finished := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := ledger.Build{ID: "build/demo/" + noDef, RunID: "r-old", Project: "demo", Repository: repo.dir, Commit: noDef,
		Branch: "main", Status: string(workflows.StatusFailed), StartedAt: finished.Add(-time.Minute), FinishedAt: &finished}
	require.NoError(t, led.RecordBuildFinished(ctx, old, []ledger.Task{
		{Stage: "verify", StageIndex: 0, Name: "unit", Status: string(workflows.TaskFailed), Attempt: 2},
	}))
	rec = ts.do(t, http.MethodGet, "/api/v1/builds/"+strings.ReplaceAll(old.ID, "/", "%2F"), "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := decodeBody[workflows.BuildState](t, rec.Body.Bytes())
	require.Equal(t, workflows.StatusFailed, got.Status)
	require.Equal(t, 2, got.Stages[0].Tasks[0].Attempt)

	rec = ts.do(t, http.MethodGet, "/api/v1/builds?status=failed", "")
	require.Equal(t, http.StatusOK, rec.Code)
	list := decodeBody[ListBuildsResponse](t, rec.Body.Bytes())
	require.Len(t, list.Builds, 1)
	require.Equal(t, old.ID, list.Builds[0].ID)

	rec = ts.do(t, http.MethodGet, "/healthz", "")
	require.Equal(t, http.StatusOK, rec.Code)
}
