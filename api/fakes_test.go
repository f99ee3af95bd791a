package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/workflows"
)

// fakeBuilds is a Builds keeping states in memory.
type fakeBuilds struct {
	mu       sync.Mutex
	states   map[string]workflows.BuildState // by build ID
	started  []workflows.BuildInput
	inputs   map[string]workflows.BuildInput // by run ID
	rerun    []bool
	startErr error
	stateErr error
	canceled []string
}

func newFakeBuilds() *fakeBuilds { return &fakeBuilds{states: map[string]workflows.BuildState{}} }

func (f *fakeBuilds) Start(_ context.Context, in workflows.BuildInput, rerun bool) (string, string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return "", "", false, f.startErr
	}
	id := contracts.BuildIDWithInputs(in.Project, in.Commit, in.Plan.InputsKey)
	if st, ok := f.states[id]; ok {
		if !rerun {
			return id, st.RunID, true, nil
		}
		if st.Status == workflows.StatusRunning {
			return "", "", false, ErrBuildRunning
		}
	}
	f.started = append(f.started, in)
	f.rerun = append(f.rerun, rerun)
	if f.inputs == nil {
		f.inputs = map[string]workflows.BuildInput{}
	}
	runID := "run-" + string(rune('0'+len(f.started)))
	f.states[id] = workflows.BuildState{ID: id, RunID: runID, Project: in.Project, Commit: in.Commit,
		Repository: in.Repository, Branch: in.Branch, Status: workflows.StatusRunning}
	f.inputs[runID] = in
	return id, runID, false, nil
}

// Input is the input run runID started with (BuildInputReader).
func (f *fakeBuilds) Input(_ context.Context, id, runID string) (workflows.BuildInput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.inputs[runID]
	if !ok {
		return workflows.BuildInput{}, notFound(KindBuild, id)
	}
	return in, nil
}

func (f *fakeBuilds) State(_ context.Context, id, runID string) (workflows.BuildState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stateErr != nil {
		return workflows.BuildState{}, f.stateErr
	}
	st, ok := f.states[id]
	if !ok || (runID != "" && st.RunID != runID) {
		return workflows.BuildState{}, ErrNotFound
	}
	return st, nil
}

func (f *fakeBuilds) Cancel(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.states[id]
	if !ok {
		return ErrNotFound
	}
	if st.Status != workflows.StatusRunning {
		return ErrBuildFinished
	}
	f.canceled = append(f.canceled, id)
	return nil
}

func (f *fakeBuilds) set(st workflows.BuildState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states[st.ID] = st
}

// fakeHistory is a BuildHistory over a slice.
type fakeHistory struct {
	builds  []ledger.Build
	tasks   map[string][]ledger.Task // by build ID
	filters []ledger.BuildFilter
	pingErr error
}

func (f *fakeHistory) ListBuilds(_ context.Context, flt ledger.BuildFilter) ([]ledger.Build, error) {
	f.filters = append(f.filters, flt)
	var out []ledger.Build
	for _, b := range f.builds {
		if (flt.Project == "" || b.Project == flt.Project) && (flt.Status == "" || b.Status == flt.Status) &&
			(flt.Branch == "" || b.Branch == flt.Branch) {
			out = append(out, b)
		}
	}
	if flt.Offset >= len(out) {
		return nil, nil
	}
	out = out[flt.Offset:]
	if len(out) > flt.Limit {
		out = out[:flt.Limit]
	}
	return out, nil
}

func (f *fakeHistory) GetBuild(_ context.Context, id, runID string) (ledger.Build, []ledger.Task, error) {
	for _, b := range f.builds {
		if b.ID == id && (runID == "" || b.RunID == runID) {
			return b, f.tasks[id], nil
		}
	}
	return ledger.Build{}, nil, ledger.ErrNotFound
}

func (f *fakeHistory) Ping(context.Context) error { return f.pingErr }

// fakeSource serves files of commits of repositories.
type fakeSource struct {
	refs  map[string]string // "repo@ref" → sha
	files map[string][]byte // "repo@sha:path" → content
}

func (f *fakeSource) Resolve(_ context.Context, repo, ref string) (string, error) {
	sha, ok := f.refs[repo+"@"+ref]
	if !ok {
		return "", errors.New("git rev-parse: unknown revision /secret/cache/path")
	}
	return sha, nil
}

func (f *fakeSource) ReadFile(_ context.Context, repo, commit, path string) ([]byte, error) {
	data, ok := f.files[repo+"@"+commit+":"+path]
	if !ok {
		return nil, gitsource.ErrFileNotFound
	}
	return data, nil
}

// fakeLogs is a LogReader whose logs grow as the test appends to them.
type fakeLogs struct {
	mu   sync.Mutex
	logs map[string][]byte
	err  error
}

func newFakeLogs() *fakeLogs { return &fakeLogs{logs: map[string][]byte{}} }

func (f *fakeLogs) append(key, s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs[key] = append(f.logs[key], s...)
}

func (f *fakeLogs) ReadAt(_ context.Context, key string, offset int64, max int) ([]byte, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, 0, f.err
	}
	data, ok := f.logs[key]
	if !ok {
		return nil, 0, logstore.ErrNotFound
	}
	if offset >= int64(len(data)) {
		return nil, offset, nil
	}
	end := min(int64(len(data)), offset+int64(max))
	return append([]byte(nil), data[offset:end]...), end, nil
}

// testServer bundles a Server with its fakes.
type testServer struct {
	*Server
	builds  *fakeBuilds
	history *fakeHistory
	source  *fakeSource
	logs    *fakeLogs

	promotions *fakePromotions
	pledger    *fakePromotionLedger
	callbacks  *fakeCallbacks
	completer  *fakeCompleter
}

func newTestServer() *testServer {
	ts := &testServer{
		builds:  newFakeBuilds(),
		history: &fakeHistory{tasks: map[string][]ledger.Task{}},
		source:  &fakeSource{refs: map[string]string{}, files: map[string][]byte{}},
		logs:    newFakeLogs(),

		promotions: newFakePromotions(),
		pledger:    newFakePromotionLedger(),
		callbacks:  &fakeCallbacks{callbacks: map[string]ledger.Callback{}, used: map[string]bool{}},
		completer:  &fakeCompleter{},
	}
	ts.Server = &Server{
		Builds: ts.builds, History: ts.history, Source: ts.source, Logs: ts.logs,
		Promotions: ts.promotions, PromotionLedger: ts.pledger, Callbacks: ts.callbacks, Completer: ts.completer,
		PublicURL: "http://drover.test", LogPollInterval: 5 * time.Millisecond, StatePollInterval: 10 * time.Millisecond,
	}
	return ts
}

// do sends a request to the server's handler and returns the recorded response.
func (ts *testServer) do(t *testing.T, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, target, nil)
	} else {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// httptestServer serves h on a loopback port until the test ends.
func httptestServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
