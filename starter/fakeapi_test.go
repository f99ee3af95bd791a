package starter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

// fakeAPI answers like the Drover API from canned data and records requests.
type fakeAPI struct {
	mu sync.Mutex
	// states are returned by successive GETs of a build; the last one repeats.
	states     []contracts.BuildState
	gets       int
	startResp  rest.CreateBuildResponse
	startErr   *apiErrorBody // non-nil: POST /builds fails with it
	started    []rest.CreateBuildRequest
	users      []string
	list       rest.ListBuildsResponse
	listQuery  url.Values
	cancelErr  *apiErrorBody
	canceled   []string
	log        string   // whole log of verify/unit
	logEvents  []string // raw SSE written for a followed log
	logPaths   []string
	unreadable bool // answer builds with a non-JSON 502
}

type apiErrorBody struct {
	status int
	code   string
	msg    string
}

func (f *fakeAPI) writeError(w http.ResponseWriter, e *apiErrorBody) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": e.code, "message": e.msg}})
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unreadable {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		return
	}
	path := r.URL.EscapedPath()
	switch {
	case r.Method == http.MethodPost && path == "/api/v1/builds":
		var req rest.CreateBuildRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			f.writeError(w, &apiErrorBody{400, "bad_request", err.Error()})
			return
		}
		f.started = append(f.started, req)
		f.users = append(f.users, r.Header.Get("X-Drover-User"))
		if f.startErr != nil {
			f.writeError(w, f.startErr)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(f.startResp)
	case r.Method == http.MethodGet && path == "/api/v1/builds":
		f.listQuery = r.URL.Query()
		_ = json.NewEncoder(w).Encode(f.list)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/cancel"):
		id, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/builds/"), "/cancel"))
		if f.cancelErr != nil {
			f.writeError(w, f.cancelErr)
			return
		}
		f.canceled = append(f.canceled, id)
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"id": "` + id + `", "status": "cancelling"}`))
	case r.Method == http.MethodGet && strings.Contains(path, "/tasks/"):
		f.logPaths = append(f.logPaths, path+"?"+r.URL.RawQuery)
		if r.URL.Query().Get("follow") == "" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(f.log))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, ev := range f.logEvents {
			_, _ = w.Write([]byte(ev))
			w.(http.Flusher).Flush()
		}
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v1/builds/"):
		id, _ := url.PathUnescape(strings.TrimPrefix(path, "/api/v1/builds/"))
		if len(f.states) == 0 || f.states[0].ID != id {
			f.writeError(w, &apiErrorBody{404, "not_found", "build not found"})
			return
		}
		st := f.states[min(f.gets, len(f.states)-1)]
		f.gets++
		_ = json.NewEncoder(w).Encode(st)
	default:
		f.writeError(w, &apiErrorBody{404, "not_found", "no such route " + path})
	}
}

// runCLI runs the CLI against api and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, api http.Handler, env map[string]string, terminal bool, args ...string) (int, string, string) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	var stdout, stderr bytes.Buffer
	code := Execute(context.Background(), append([]string{"--url", srv.URL}, args...), Env{
		Stdout: &stdout, Stderr: &stderr, Terminal: terminal,
		Getenv:        func(k string) string { return env[k] },
		Now:           func() time.Time { return t0.Add(90 * time.Second) },
		WatchInterval: time.Millisecond,
	})
	return code, stdout.String(), stderr.String()
}

func sse(events ...string) []string {
	out := make([]string, len(events))
	for i, e := range events {
		if name, data, ok := strings.Cut(e, "="); ok {
			out[i] = fmt.Sprintf("event: %s\ndata: %s\n\n", name, data)
		} else {
			out[i] = "data: " + e + "\n\n"
		}
	}
	return out
}

// httptestClosedURL is the URL of a server that no longer listens.
func httptestClosedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}
