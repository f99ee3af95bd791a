package starter

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

// gitRepo makes a repository with one commit on branch "feature" and a
// branch "main", and returns its path and the commit.
func gitRepo(t *testing.T) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	require.NoError(t, exec.Command("git", "init", "-q", "-b", "feature", dir).Run())
	git("commit", "-q", "--allow-empty", "-m", "first")
	git("branch", "main")
	return dir, git("rev-parse", "HEAD")
}

func TestBuildStart(t *testing.T) {
	repo, sha := gitRepo(t)
	t.Chdir(filepath.Dir(repo))
	tests := []struct {
		name       string
		args       []string
		wantCommit string
		wantBranch string
		wantRepo   string
	}{
		{"relative local repo, current branch", []string{"--repo", "repo"}, "HEAD", "feature", repo},
		{"local branch named as commit", []string{"--repo", repo, "--commit", "main"}, "main", "main", repo},
		{"sha has no branch", []string{"--repo", repo, "--commit", sha}, sha, "", repo},
		{"explicit branch", []string{"--repo", repo, "--branch", "release"}, "HEAD", "release", repo},
		{"remote repository", []string{"--repo", "https://git.example.com/demo.git", "--commit", "v1"}, "v1", "",
			"https://git.example.com/demo.git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{startResp: rest.CreateBuildResponse{ID: "build/demo/" + sha, RunID: "r1", Status: "running",
				URL: "http://drover.test/api/v1/builds/build%2Fdemo%2F" + sha}}
			code, stdout, stderr := runCLI(t, api, map[string]string{"USER": "alice"}, false,
				append([]string{"build", "start"}, tt.args...)...)
			require.Equal(t, 0, code, stderr)
			// The build's page, on the API's server (not its JSON route).
			require.Regexp(t, `^build build/demo/`+sha+` started \(run r1\)\nhttp://127\.0\.0\.1:\d+/builds/build%2Fdemo%2F`+sha+`\n$`, stdout)
			require.Equal(t, []rest.CreateBuildRequest{{Repository: tt.wantRepo, Commit: tt.wantCommit, Branch: tt.wantBranch}}, api.started)
			require.Equal(t, []string{"alice"}, api.users)
		})
	}
}

func TestBuildStartWithInputs(t *testing.T) {
	repo, sha := gitRepo(t)
	api := &fakeAPI{startResp: rest.CreateBuildResponse{ID: "build/demo/" + sha + "/0a1b2c3d4e5f", RunID: "r1", Status: "running"}}
	code, stdout, stderr := runCLI(t, api, nil, false, "build", "start", "--repo", repo, "--commit", sha,
		"--input", "target=canary", "--input", "note=a=b c")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "build build/demo/"+sha+"/0a1b2c3d4e5f started")
	require.Equal(t, map[string]string{"target": "canary", "note": "a=b c"}, api.started[0].Inputs)

	for _, args := range [][]string{{"--input", "target"}, {"--input", "=x"}, {"--input", "a=1", "--input", "a=2"}} {
		code, _, stderr = runCLI(t, &fakeAPI{}, nil, false, append([]string{"build", "start", "--repo", repo}, args...)...)
		require.Equal(t, 2, code, stderr)
		require.Contains(t, stderr, "--input")
	}
}

func TestBuildStartOutcomes(t *testing.T) {
	repo, _ := gitRepo(t)
	running := sampleState(contracts.StatusRunning)
	succeeded := sampleState(contracts.StatusSucceeded)
	failed := sampleState(contracts.StatusFailed)
	badDef := "drover.yaml:8:11: build.stages[0].tasks[0].retries: must be 0 or more"
	tests := []struct {
		name     string
		api      *fakeAPI
		args     []string
		code     int
		stdout   []string // fragments
		stderr   string
		rerunReq bool
	}{
		{name: "bad definition", api: &fakeAPI{startErr: &apiErrorBody{400, "bad_definition", badDef}},
			code: 1, stderr: badDef + "\n"},
		{name: "exists", api: &fakeAPI{startResp: rest.CreateBuildResponse{ID: running.ID, RunID: "r1", Status: "succeeded", Existing: true}},
			code: 0, stdout: []string{"build " + running.ID + " exists already: succeeded (run r1)\n"}},
		{name: "rerun", args: []string{"--rerun"}, api: &fakeAPI{startResp: rest.CreateBuildResponse{ID: running.ID, RunID: "r2", Rerun: true}},
			code: 0, stdout: []string{"build " + running.ID + " started again (run r2)\n"}, rerunReq: true},
		{name: "running build", args: []string{"--rerun"},
			api:  &fakeAPI{startErr: &apiErrorBody{409, "conflict", "build is running; cancel it first"}},
			code: 1, stderr: "build is running; cancel it first\n", rerunReq: true},
		{name: "watch until success", args: []string{"--watch"},
			api:  &fakeAPI{startResp: rest.CreateBuildResponse{ID: running.ID}, states: []contracts.BuildState{running, running, succeeded}},
			code: 0, stdout: []string{"build " + running.ID + " running", "build " + running.ID + " succeeded"}},
		{name: "watch until failure", args: []string{"--watch"},
			api:  &fakeAPI{startResp: rest.CreateBuildResponse{ID: running.ID}, states: []contracts.BuildState{running, failed}},
			code: 1, stdout: []string{"build " + running.ID + " failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.api, nil, false, append([]string{"build", "start", "--repo", repo}, tt.args...)...)
			require.Equal(t, tt.code, code, "stdout: %s\nstderr: %s", stdout, stderr)
			for _, frag := range tt.stdout {
				require.Contains(t, stdout, frag)
			}
			require.Equal(t, tt.stderr, stderr)
			require.Len(t, tt.api.started, 1)
			require.Equal(t, tt.rerunReq, tt.api.started[0].Rerun)
		})
	}
}

func TestBuildWatch(t *testing.T) {
	running := sampleState(contracts.StatusRunning)
	done := sampleState(contracts.StatusSucceeded)
	done.Stages[0].Tasks[1].Status = "succeeded"
	done.Stages[0].Tasks[1].FinishedAt = at(70e9)
	done.FinishedAt = at(80e9)

	t.Run("lines of changes", func(t *testing.T) {
		api := &fakeAPI{states: []contracts.BuildState{running, running, done}}
		code, stdout, _ := runCLI(t, api, nil, false, "build", "watch", running.ID)
		require.Equal(t, 0, code)
		require.Equal(t, "build build/demo/0123456789abcdef running 1m30s\n"+
			"verify/unit succeeded (attempt 1) 12s\n"+
			"verify/lint building (attempt 2)\n"+
			"package/tarball waiting\n"+
			"verify/lint succeeded (attempt 2) 10s\n"+
			"build build/demo/0123456789abcdef succeeded 1m20s\n", stdout)
		require.Equal(t, 3, api.gets)
	})
	t.Run("redrawn in place on a terminal", func(t *testing.T) {
		api := &fakeAPI{states: []contracts.BuildState{running, done}}
		code, stdout, _ := runCLI(t, api, nil, true, "build", "watch", "http://x/api/v1/builds/build%2Fdemo%2F0123456789abcdef")
		require.Equal(t, 0, code)
		first := RenderWatch(running, t0.Add(90e9))
		require.Equal(t, first+"\x1b[5A\x1b[J"+RenderWatch(done, t0.Add(90e9)), stdout)
	})
	t.Run("unknown build", func(t *testing.T) {
		code, _, stderr := runCLI(t, &fakeAPI{}, nil, false, "build", "watch", "build/x/y")
		require.Equal(t, 1, code)
		require.Equal(t, "build not found\n", stderr)
	})
}

func TestBuildList(t *testing.T) {
	next := 2
	api := &fakeAPI{list: rest.ListBuildsResponse{NextOffset: &next, Builds: []rest.BuildSummary{
		{ID: "build/demo/aaaa", Project: "demo", Branch: "main", Commit: "aaaa", Status: "failed", StartedAt: t0},
	}}}
	code, stdout, stderr := runCLI(t, api, nil, false, "build", "list", "--project", "demo", "--status", "failed", "--limit", "2")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "demo", api.listQuery.Get("project"))
	require.Equal(t, "failed", api.listQuery.Get("status"))
	require.Equal(t, "2", api.listQuery.Get("limit"))
	require.Empty(t, api.listQuery.Get("branch"))
	require.Equal(t, RenderList(api.list.Builds, t0.Add(90e9))+"more: --offset 2\n", stdout)
}

func TestBuildLogs(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		events []string
		code   int
		stdout string
		stderr string
		path   string
	}{
		{name: "whole log", args: []string{"build/demo/abc", "verify/unit"}, code: 0, stdout: "line 1\nline 2\n",
			path: "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?"},
		{name: "task alone", args: []string{"build/demo/abc", "unit"}, code: 0, stdout: "line 1\nline 2\n",
			path: "/api/v1/builds/build%2Fdemo%2Fabc/tasks/unit/log?"},
		{name: "follow to success", args: []string{"build/demo/abc", "verify/unit", "-f"},
			events: sse("one", "two", "end=succeeded"), code: 0, stdout: "one\ntwo\n",
			path: "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?follow=1"},
		{name: "follow to failure", args: []string{"build/demo/abc", "verify/unit", "--follow"},
			events: sse("boom", "end=failed"), code: 1, stdout: "boom\n", stderr: "task verify/unit failed\n",
			path: "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?follow=1"},
		{name: "stream cut", args: []string{"build/demo/abc", "verify/unit", "-f"},
			events: sse("one"), code: 1, stdout: "one\n", stderr: "drover: log stream ended before the task did\n",
			path: "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?follow=1"},
		{name: "bad task", args: []string{"build/demo/abc", "a/b/c"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{log: "line 1\nline 2\n", logEvents: tt.events}
			code, stdout, stderr := runCLI(t, api, nil, false, append([]string{"build", "logs"}, tt.args...)...)
			require.Equal(t, tt.code, code, stderr)
			require.Equal(t, tt.stdout, stdout)
			if tt.code == 2 {
				require.Empty(t, api.logPaths)
				return
			}
			require.Equal(t, tt.stderr, stderr)
			require.Equal(t, []string{tt.path}, api.logPaths)
		})
	}
}

func TestBuildCancel(t *testing.T) {
	api := &fakeAPI{}
	code, stdout, _ := runCLI(t, api, nil, false, "build", "cancel", "build/demo/abc")
	require.Equal(t, 0, code)
	require.Equal(t, "build build/demo/abc is being cancelled\n", stdout)
	require.Equal(t, []string{"build/demo/abc"}, api.canceled)

	api = &fakeAPI{cancelErr: &apiErrorBody{409, "conflict", "build build/demo/abc is not running"}}
	code, _, stderr := runCLI(t, api, nil, false, "build", "cancel", "build/demo/abc")
	require.Equal(t, 1, code)
	require.Equal(t, "build build/demo/abc is not running\n", stderr)
}

func TestCLIErrors(t *testing.T) {
	tests := []struct {
		name   string
		api    *fakeAPI
		args   []string
		code   int
		stderr string // fragment
	}{
		{"missing argument", &fakeAPI{}, []string{"build", "watch"}, 2, "accepts 1 arg(s)"},
		{"unknown flag", &fakeAPI{}, []string{"build", "list", "--nope"}, 2, "unknown flag: --nope"},
		{"unknown command", &fakeAPI{}, []string{"nope"}, 2, `unknown command "nope"`},
		{"non-JSON error", &fakeAPI{unreadable: true}, []string{"build", "cancel", "x"}, 1, "HTTP 502: <html>bad gateway</html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.api, nil, false, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			require.Contains(t, stderr, tt.stderr)
		})
	}

	// An API that is not there.
	srv := httptestClosedURL(t)
	var out strings.Builder
	code := Execute(t.Context(), []string{"build", "cancel", "x"}, Env{Stderr: &out,
		Getenv: func(k string) string { return map[string]string{"DROVER_URL": srv}[k] }})
	require.Equal(t, 1, code)
	require.Contains(t, out.String(), "drover: POST "+srv+"/api/v1/builds/x/cancel: ")
	require.Contains(t, out.String(), "connection refused")
}

// Builds can be named by a commit prefix (PROJECT/PREFIX or PREFIX) or as
// the latest of a project; a prefix two recent builds share is refused.
func TestShortBuildIDs(t *testing.T) {
	done := sampleState(contracts.StatusSucceeded)
	done.PromotionID = "promote/demo/0123456789ab"
	list := rest.ListBuildsResponse{Builds: []rest.BuildSummary{
		{ID: done.ID, Project: "demo", Commit: "0123456789abcdef0123"},
		{ID: "build/demo/01ff", Project: "demo", Commit: "01ff00000000"},
	}}

	api := &fakeAPI{states: []contracts.BuildState{done}, list: list}
	code, stdout, stderr := runCLI(t, api, nil, false, "build", "show", "demo/0123")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "build/demo/0123456789abcdef  demo main@0123456789ab  succeeded")
	require.Contains(t, stdout, "/builds/build%2Fdemo%2F0123456789abcdef\n")
	require.Contains(t, stdout, "promotion promote/demo/0123456789ab: drover promotion watch promote/demo/0123456789ab\n")
	require.Equal(t, "demo", api.listQuery.Get("project"))

	api = &fakeAPI{states: []contracts.BuildState{done}, list: list}
	code, stdout, stderr = runCLI(t, api, nil, false, "build", "watch", "0123")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "promotion promote/demo/0123456789ab started: drover promotion watch promote/demo/0123456789ab\n")

	code, _, stderr = runCLI(t, &fakeAPI{states: []contracts.BuildState{done}, list: rest.ListBuildsResponse{Builds: []rest.BuildSummary{
		{ID: "build/demo/aaaa1", Commit: "aaaa1"}, {ID: "build/demo/aaaa2", Commit: "aaaa2"}}}}, nil, false, "build", "watch", "aaaa")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "aaaa is ambiguous: build/demo/aaaa1, build/demo/aaaa2")

	api = &fakeAPI{states: []contracts.BuildState{done}, list: list}
	code, stdout, stderr = runCLI(t, api, nil, false, "build", "show", "demo", "--latest")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "build/demo/0123456789abcdef  demo main@0123456789ab  succeeded")
	require.Equal(t, "1", api.listQuery.Get("limit"))
}

func TestRerunCommand(t *testing.T) {
	var got rest.RerunBuildRequest
	var path string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.EscapedPath()
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(rest.CreateBuildResponse{ID: "build/demo/abc", RunID: "run-2", Rerun: true,
			RerunOf: "run-1", Reused: []string{"verify/unit"}})
	})
	code, stdout, stderr := runCLI(t, api, nil, false, "build", "rerun", "build/demo/abc", "--task", "package/tarball")
	require.Zero(t, code, stderr)
	require.Equal(t, "/api/v1/builds/build%2Fdemo%2Fabc/rerun", path)
	require.Equal(t, rest.RerunBuildRequest{Task: "package/tarball"}, got)
	require.Contains(t, stdout, "build build/demo/abc started again (run run-2), reusing 1 tasks of run run-1: verify/unit\n")

	code, _, stderr = runCLI(t, api, nil, false, "build", "rerun", "build/demo/abc", "--failed", "--task", "x/y")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "not both")
}
