package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
)

// fakeCallbacks records the callbacks stored.
type fakeCallbacks struct {
	mu    sync.Mutex
	saved []ledger.Callback
	err   error
}

func (f *fakeCallbacks) CreateCallback(_ context.Context, c ledger.Callback) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.saved = append(f.saved, c)
	return nil
}

func (f *fakeCallbacks) get() []ledger.Callback {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ledger.Callback(nil), f.saved...)
}

// fakeVersions serves recorded artifact versions by project and version.
type fakeVersions map[string]ledger.ArtifactVersion

func (f fakeVersions) GetArtifactVersion(_ context.Context, project, version string) (ledger.ArtifactVersion, error) {
	v, ok := f[project+"/"+version]
	if !ok {
		return ledger.ArtifactVersion{}, fmt.Errorf("get artifact version %s of %s: %w", version, project, ledger.ErrNotFound)
	}
	return v, nil
}

// signalWithStart is one SignalWithStartWorkflow call.
type signalWithStart struct {
	WorkflowID, Signal string
	Arg                any
	Options            client.StartWorkflowOptions
	Workflow           any
	Args               []any
}

// fakeTemporal records SignalWithStartWorkflow calls.
type fakeTemporal struct {
	calls   []signalWithStart
	updates []client.UpdateWorkflowOptions
	answer  any
	err     error
}

func (f *fakeTemporal) SignalWithStartWorkflow(_ context.Context, workflowID, signalName string, signalArg any,
	options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error) {
	f.calls = append(f.calls, signalWithStart{workflowID, signalName, signalArg, options, workflow, workflowArgs})
	return nil, f.err
}

// UpdateWorkflow records the update and fails with f.err, or answers with f.answer.
func (f *fakeTemporal) UpdateWorkflow(_ context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.updates = append(f.updates, options)
	if f.err != nil {
		return nil, f.err
	}
	return fakeUpdateHandle{answer: f.answer}, nil
}

// fakeUpdateHandle is a completed update whose outcome is answer.
type fakeUpdateHandle struct {
	client.WorkflowUpdateHandle
	answer any
}

func (h fakeUpdateHandle) Get(_ context.Context, valuePtr any) error {
	b, err := json.Marshal(h.answer)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, valuePtr)
}

func newPromotionActivities(t *testing.T) (*activities.PromotionActivities, *fakeCallbacks) {
	t.Helper()
	store := &fakeCallbacks{}
	pa := activities.NewPromotionActivities(newActivities(t), &fakeTemporal{}, store, fakeVersions{}, "https://drover.example.com/")
	return pa, store
}

// execute runs the activity fn (a method value of pa) with in in a test
// activity environment whose activities are cancelled with ctx, and decodes
// its result into out.
func execute(ctx context.Context, t *testing.T, pa *activities.PromotionActivities, fn, in, out any) error {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.SetWorkerOptions(worker.Options{BackgroundActivityContext: ctx})
	env.RegisterActivity(pa)
	val, err := env.ExecuteActivity(fn, in)
	if err != nil {
		return err
	}
	if out != nil && val != nil && val.HasValue() {
		require.NoError(t, val.Get(out))
	}
	return nil
}

// readKey returns the log under key without timestamps.
func readKey(t *testing.T, pa *activities.PromotionActivities, key string) string {
	t.Helper()
	var out strings.Builder
	for off := int64(0); ; {
		b, next, err := pa.Tasks.Logs.ReadAt(context.Background(), key, off, 0)
		require.NoError(t, err)
		if len(b) == 0 {
			return out.String()
		}
		off = next
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if _, rest, ok := strings.Cut(line, " "); ok {
				out.WriteString(rest)
			}
		}
	}
}

// requireNoLogWith checks that no promotion log contains s.
func requireNoLogWith(t *testing.T, pa *activities.PromotionActivities, keys []string, s string) {
	t.Helper()
	for _, key := range keys {
		require.NotContains(t, readKey(t, pa, key), s, key)
	}
}

var errStore = errors.New("store unavailable")
