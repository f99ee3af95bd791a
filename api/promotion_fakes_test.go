package api

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// fakePromotions is a Promotions keeping states in memory.
type fakePromotions struct {
	mu        sync.Mutex
	states    map[string]workflows.PromotionState // by promotion ID
	started   []workflows.PromotionInput
	decisions []workflows.Decision
	skips     []workflows.SkipBake
	proofs    []*decision.Proof
	canceled  []string
	err       error // returned by Decide, SkipBake and Cancel when set
	result    workflows.DecisionResult
}

func newFakePromotions() *fakePromotions {
	return &fakePromotions{states: map[string]workflows.PromotionState{}}
}

func (f *fakePromotions) Start(_ context.Context, in workflows.PromotionInput) (string, string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := in.WorkflowID()
	if st, ok := f.states[id]; ok {
		return id, st.RunID, true, nil
	}
	f.started = append(f.started, in)
	runID := fmt.Sprintf("prun-%d", len(f.started))
	f.states[id] = workflows.PromotionState{ID: id, RunID: runID, Project: in.Project, Version: in.Version,
		Status: workflows.PromotionRunning}
	return id, runID, false, nil
}

func (f *fakePromotions) State(_ context.Context, id, runID string) (workflows.PromotionState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.states[id]
	if !ok || (runID != "" && st.RunID != runID) {
		return workflows.PromotionState{}, ErrNotFound
	}
	return st, nil
}

func (f *fakePromotions) Decide(_ context.Context, _ string, d workflows.Decision) (workflows.DecisionResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Proofs are kept apart so that tests compare what was decided.
	f.proofs = append(f.proofs, d.Proof)
	d.Proof = nil
	f.decisions = append(f.decisions, d)
	if f.err != nil {
		return workflows.DecisionResult{}, f.err
	}
	return f.result, nil
}

func (f *fakePromotions) SkipBake(_ context.Context, _ string, s workflows.SkipBake) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.proofs = append(f.proofs, s.Proof)
	s.Proof = nil
	f.skips = append(f.skips, s)
	return f.err
}

func (f *fakePromotions) Cancel(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	st, ok := f.states[id]
	if !ok {
		return ErrNotFound
	}
	if st.Status != workflows.PromotionRunning {
		return ErrPromotionFinished
	}
	f.canceled = append(f.canceled, id)
	return nil
}

// fakePromotionLedger is a PromotionLedger over slices.
type fakePromotionLedger struct {
	promotions []ledger.Promotion
	filters    []ledger.PromotionFilter
	envs       []ledger.EnvironmentStatus
	history    []ledger.Deployment
	historyArg []any
	versions   map[string]ledger.ArtifactVersion // by project/version
	recorded   []ledger.ArtifactVersion
	projects   []ledger.Project
	pending    []ledger.PendingApproval // the gates waiting
	pendingErr error
	// paged, when set, answers PendingApprovalsPage; queries are what it was asked.
	paged   *ledger.Ledger
	queries []ledger.PendingApprovalQuery
}

func newFakePromotionLedger() *fakePromotionLedger {
	return &fakePromotionLedger{versions: map[string]ledger.ArtifactVersion{}}
}

func (f *fakePromotionLedger) ListPromotions(_ context.Context, flt ledger.PromotionFilter) ([]ledger.Promotion, error) {
	f.filters = append(f.filters, flt)
	var out []ledger.Promotion
	for _, p := range f.promotions {
		if (flt.Project == "" || p.Project == flt.Project) && (flt.Status == "" || p.Status == flt.Status) {
			out = append(out, p)
		}
	}
	if flt.Offset >= len(out) {
		return nil, nil
	}
	out = out[flt.Offset:]
	return out[:min(len(out), flt.Limit)], nil
}

func (f *fakePromotionLedger) GetPromotion(_ context.Context, id, runID string) (ledger.Promotion, error) {
	for _, p := range f.promotions {
		if p.ID == id && (runID == "" || p.RunID == runID) {
			return p, nil
		}
	}
	return ledger.Promotion{}, fmt.Errorf("get promotion %s: %w", id, ledger.ErrNotFound)
}

func (f *fakePromotionLedger) Environments(_ context.Context, project string) ([]ledger.EnvironmentStatus, error) {
	var out []ledger.EnvironmentStatus
	for _, e := range f.envs {
		if project == "" || e.Project == project {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakePromotionLedger) EnvironmentHistory(_ context.Context, project, env string, limit int) ([]ledger.Deployment, error) {
	f.historyArg = []any{project, env, limit}
	return f.history, nil
}

func (f *fakePromotionLedger) RecordArtifactVersion(_ context.Context, v ledger.ArtifactVersion) error {
	f.recorded = append(f.recorded, v)
	if _, ok := f.versions[v.Project+"/"+v.Version]; !ok {
		f.versions[v.Project+"/"+v.Version] = v
	}
	return nil
}

// AddArtifacts adds as the ledger does: a new version is recorded whole,
// an existing one (of the same commit) gets the artifacts it lacks.
func (f *fakePromotionLedger) AddArtifacts(ctx context.Context, v ledger.ArtifactVersion) (ledger.ArtifactVersion, error) {
	old, ok := f.versions[v.Project+"/"+v.Version]
	if !ok {
		return v, f.RecordArtifactVersion(ctx, v)
	}
	if old.Commit != v.Commit {
		return old, fmt.Errorf("add artifacts to version %s is registered for commit %s, not %s: %w",
			v.Version, old.Commit, v.Commit, ledger.ErrVersionConflict)
	}
	f.recorded = append(f.recorded, v)
	for _, who := range v.RegisteredBy {
		if !slices.Contains(old.RegisteredBy, who) {
			old.RegisteredBy = append(old.RegisteredBy, who)
		}
	}
	slices.Sort(old.RegisteredBy)
	for _, a := range v.Artifacts {
		if !slices.ContainsFunc(old.Artifacts, func(o ledger.Artifact) bool { return o.Name == a.Name }) {
			old.Artifacts = append(old.Artifacts, a)
		}
	}
	f.versions[v.Project+"/"+v.Version] = old
	return old, nil
}

func (f *fakePromotionLedger) GetArtifactVersion(_ context.Context, project, version string) (ledger.ArtifactVersion, error) {
	v, ok := f.versions[project+"/"+version]
	if !ok {
		return ledger.ArtifactVersion{}, fmt.Errorf("get version: %w", ledger.ErrNotFound)
	}
	return v, nil
}

func (f *fakePromotionLedger) ListProjects(context.Context) ([]ledger.Project, error) {
	return f.projects, nil
}

// fakeCallbacks is a CallbackStore of one-time tokens.
type fakeCallbacks struct {
	mu        sync.Mutex
	callbacks map[string]ledger.Callback
	used      map[string]bool
}

func (f *fakeCallbacks) ConsumeCallback(_ context.Context, token string) (ledger.Callback, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cb, ok := f.callbacks[token]
	switch {
	case !ok:
		return ledger.Callback{}, fmt.Errorf("consume callback: %w", ledger.ErrNotFound)
	case f.used[token]:
		return ledger.Callback{}, fmt.Errorf("consume callback: %w", ledger.ErrCallbackUsed)
	}
	f.used[token] = true
	return cb, nil
}

// completion is one call of fakeCompleter.
type completion struct {
	taskToken []byte
	result    any
	err       error
}

// fakeCompleter records completed activities.
type fakeCompleter struct {
	mu    sync.Mutex
	calls []completion
	err   error
}

func (f *fakeCompleter) CompleteActivity(_ context.Context, taskToken []byte, result any, err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, completion{taskToken, result, err})
	return f.err
}

// Tokens of the test identity file.
const (
	aliceToken = "alice-secret-token"
	bobToken   = "bob-secret-token"
)

// testIdentity is a directory of alice (group release) and bob.
func testIdentity() *identity.Directory {
	d, err := identity.Parse("identity.yaml", []byte("users:\n"+
		"  - {name: alice, token_sha256: \""+identity.HashToken(aliceToken)+"\", groups: [release]}\n"+
		"  - {name: bob, token_sha256: \""+identity.HashToken(bobToken)+"\"}\n"))
	if err != nil {
		panic(err)
	}
	return d
}

// testRegistry registers project demo at testRepo (and, with more, at
// those paths too): alice administers it, bob builds and promotes it.
func testRegistry(repos ...string) *registry.Registry {
	paths := `"` + testRepo + `"`
	for _, r := range repos {
		paths += `, "` + r + `"`
	}
	r, err := registry.Parse("projects.yaml", []byte("projects:\n"+
		"  - name: demo\n"+
		"    paths: ["+paths+"]\n"+
		"    roles: {build: [bob], promote: [bob], admin: [alice]}\n"))
	if err != nil {
		panic(err)
	}
	return r
}
