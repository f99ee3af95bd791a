package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

const (
	testRepo = "/srv/repos/demo"
	testSHA  = "0123456789abcdef0123456789abcdef01234567"
	goodYAML = `project: demo
build:
  stages:
    - name: verify
      tasks:
        - {name: unit, run: go test ./...}
        - {name: lint, run: go vet ./...}
    - name: package
      tasks:
        - {name: tarball, run: make dist}
`
	// badYAML has a negative retries on line 6.
	badYAML = `project: demo
build:
  stages:
    - name: verify
      tasks:
        - name: unit
          run: go test ./...
          retries: -1
`
)

func decodeBody[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(body, &v), "body: %s", body)
	return v
}

func TestCreateBuild(t *testing.T) {
	ts := newTestServer()
	ts.TaskHeartbeatTimeout = 3 * time.Second
	ts.TaskInfraRetries = 4
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(goodYAML)

	rec := ts.do(t, http.MethodPost, "/api/v1/builds",
		`{"repository": "`+testRepo+`", "commit": "main", "branch": "main"}`, UserHeader, "alice")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	resp := decodeBody[CreateBuildResponse](t, rec.Body.Bytes())
	require.Equal(t, CreateBuildResponse{
		ID: "build/demo/" + testSHA, RunID: "run-1", Status: string(workflows.StatusRunning),
		URL: "http://drover.test/api/v1/builds/build%2Fdemo%2F" + testSHA,
	}, resp)

	require.Len(t, ts.builds.started, 1)
	in := ts.builds.started[0]
	require.Equal(t, "demo", in.Project)
	require.Equal(t, testRepo, in.Repository)
	require.Equal(t, testSHA, in.Commit)
	require.Equal(t, "main", in.Branch)
	require.Equal(t, "alice", in.TriggeredBy)
	require.Equal(t, 3*time.Second, in.HeartbeatTimeout)
	require.Equal(t, 4, in.InfraRetries)
	require.Len(t, in.Plan.Stages, 2)
	require.Equal(t, "lint", in.Plan.Stages[0].Tasks[1].Name)

	// The same commit again finds the running build.
	rec = ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	resp = decodeBody[CreateBuildResponse](t, rec.Body.Bytes())
	require.True(t, resp.Existing)
	require.Equal(t, "run-1", resp.RunID)
	require.Len(t, ts.builds.started, 1)

	// A rerun of a running build is refused.
	rec = ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main", "rerun": true}`)
	require.Equal(t, http.StatusConflict, rec.Code)
	body := decodeBody[ErrorBody](t, rec.Body.Bytes())
	require.Equal(t, "conflict", body.Error.Code)
	require.Equal(t, "build is running; cancel it first", body.Error.Message)

	// Once finished, a rerun starts a new run and says so; the default trigger is "api".
	st, _ := ts.builds.State(t.Context(), resp.ID, "")
	st.Status = workflows.StatusFailed
	ts.builds.set(st)
	rec = ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main", "rerun": true}`)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	resp = decodeBody[CreateBuildResponse](t, rec.Body.Bytes())
	require.True(t, resp.Rerun)
	require.False(t, resp.Existing)
	require.Equal(t, "run-2", resp.RunID)
	require.Equal(t, []bool{false, true}, ts.builds.rerun)
	require.Equal(t, "api", ts.builds.started[1].TriggeredBy)
	require.True(t, ts.builds.started[1].Rerun)
}

func TestCreateBuildErrors(t *testing.T) {
	big := `{"repository": "` + testRepo + `", "commit": "` + strings.Repeat("a", 2048) + `"}`
	tests := []struct {
		name     string
		body     string
		startErr error
		status   int
		code     string
		message  string // a fragment of the message
	}{
		{"empty body", "", nil, 400, "bad_request", "request body is empty"},
		{"not JSON", "{", nil, 400, "bad_request", "invalid JSON body"},
		{"unknown field", `{"repository": "/r", "sha": "x"}`, nil, 400, "bad_request", `unknown field "sha"`},
		{"no repository", `{"commit": "main"}`, nil, 400, "bad_request", "repository is required"},
		{"relative path", `{"repository": "repos/demo"}`, nil, 400, "bad_request", "a local path must be absolute"},
		{"option as commit", `{"repository": "/r", "commit": "--upload-pack=x"}`, nil, 400, "bad_request", "is not a SHA or ref"},
		{"unknown ref", `{"repository": "` + testRepo + `", "commit": "nope"}`, nil, 400, "bad_repository",
			`cannot resolve "nope" in repository ` + testRepo},
		{"credentials hidden", `{"repository": "https://bob:s3cret@git.example.com/x.git", "commit": "main"}`, nil, 400,
			"bad_repository", "https://git.example.com/x.git"},
		{"no definition", `{"repository": "` + testRepo + `", "commit": "bare"}`, nil, 400, "no_definition",
			"no drover.yaml at " + testSHA[:39] + "8"},
		{"too large", big, nil, 413, "body_too_large", "larger than 1024 bytes"},
		{"internal", `{"repository": "` + testRepo + `", "commit": "main"}`, errors.New("dial 10.0.0.7:7233: refused"),
			500, "internal", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer()
			ts.MaxBody = 1024
			ts.builds.startErr = tt.startErr
			ts.source.refs[testRepo+"@main"] = testSHA
			ts.source.refs[testRepo+"@bare"] = testSHA[:39] + "8"
			ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(goodYAML)

			rec := ts.do(t, http.MethodPost, "/api/v1/builds", tt.body)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			body := decodeBody[ErrorBody](t, rec.Body.Bytes())
			require.Equal(t, tt.code, body.Error.Code)
			require.Contains(t, body.Error.Message, tt.message)
			require.NotContains(t, rec.Body.String(), "s3cret")
			require.NotContains(t, rec.Body.String(), "10.0.0.7")
			require.NotContains(t, rec.Body.String(), "/secret/cache")
			require.Empty(t, ts.builds.started)
		})
	}
}

func TestCreateBuildBadDefinition(t *testing.T) {
	ts := newTestServer()
	ts.source.refs[testRepo+"@HEAD"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(badYAML)

	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`"}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	var body struct {
		Error struct {
			Code    string              `json:"code"`
			Message string              `json:"message"`
			Details []DefinitionProblem `json:"details"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "bad_definition", body.Error.Code)
	require.Contains(t, body.Error.Message, "drover.yaml:8:")
	require.Contains(t, body.Error.Message, "build.stages[0].tasks[0].retries")
	require.Len(t, body.Error.Details, 1)
	d := body.Error.Details[0]
	require.Equal(t, "drover.yaml", d.File)
	require.Equal(t, 8, d.Line)
	require.Equal(t, "build.stages[0].tasks[0].retries", d.Field)
	require.NotEmpty(t, d.Message)
	require.Empty(t, ts.builds.started)
}

func TestCreateBuildBodyLimitWithoutLength(t *testing.T) {
	ts := newTestServer()
	ts.MaxBody = 64
	srv := httptestServer(t, ts.Handler())
	// A body sent in chunks has no Content-Length: the limit applies while reading.
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte(`{"repository": "` + strings.Repeat("x", 200) + `"}`))
		_ = pw.Close()
	}()
	resp, err := http.Post(srv.URL+"/api/v1/builds", "application/json", pr)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	var body ErrorBody
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "body_too_large", body.Error.Code)
}

func TestPageRerunCarriesTaskSettings(t *testing.T) {
	ts := newTestServer()
	ts.TaskHeartbeatTimeout = 3 * time.Second
	ts.TaskInfraRetries = 4
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(goodYAML)
	id := "build/demo/" + testSHA
	ts.builds.states[id] = workflows.BuildState{ID: id, Project: "demo", Repository: testRepo, Commit: testSHA,
		Branch: "main", Status: workflows.StatusFailed}

	_, err := pageBuilds{ts.Server}.Rerun(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, ts.builds.started, 1)
	in := ts.builds.started[0]
	require.True(t, in.Rerun)
	require.Equal(t, 3*time.Second, in.HeartbeatTimeout)
	require.Equal(t, 4, in.InfraRetries)
}
