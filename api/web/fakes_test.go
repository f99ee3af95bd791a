package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

var errNotFound = errors.New("not found")

type fakeBuilds struct {
	mu        sync.Mutex
	state     workflows.BuildState
	cancelled []string
}

func (f *fakeBuilds) State(_ context.Context, id, _ string) (workflows.BuildState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != f.state.ID {
		return workflows.BuildState{}, errNotFound
	}
	return f.state, nil
}

func (f *fakeBuilds) Cancel(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled = append(f.cancelled, id)
	return nil
}

// refusal is what the API returns for a decision the validator refused.
type refusal struct {
	reason    string
	forbidden bool
}

func (r *refusal) Error() string   { return r.reason }
func (r *refusal) Forbidden() bool { return r.forbidden }

type fakePromotions struct {
	mu        sync.Mutex
	state     workflows.PromotionState
	decisions []workflows.Decision
	// requestIDs are the request ids the decisions carried.
	requestIDs []string
	refuse     error
}

func (f *fakePromotions) State(_ context.Context, id, _ string) (workflows.PromotionState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != f.state.ID {
		return workflows.PromotionState{}, errNotFound
	}
	return f.state, nil
}

func (f *fakePromotions) Decide(_ context.Context, _ string, d workflows.Decision) (workflows.DecisionResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requestIDs = append(f.requestIDs, d.Proof.Nonce)
	d.Proof = nil
	f.decisions = append(f.decisions, d)
	if f.refuse != nil {
		return workflows.DecisionResult{}, f.refuse
	}
	return workflows.DecisionResult{Environment: d.Environment, State: workflows.GateApproved, Approvals: 1, Required: 1}, nil
}

type fakeLedger struct {
	builds  []ledger.Build
	proms   []ledger.Promotion
	envs    []ledger.EnvironmentStatus
	order   map[string][]string
	pending []ledger.PendingApproval
	freezes []ledger.Freeze
	history map[string][]ledger.Deployment // by "project/environment"; nil: deps for every one
	deps    []ledger.Deployment
}

func (f *fakeLedger) EnvironmentOrder(_ context.Context, project string) ([]string, error) {
	return f.order[project], nil
}

func (f *fakeLedger) ListFreezes(context.Context, string) ([]ledger.Freeze, error) {
	return f.freezes, nil
}

func (f *fakeLedger) PendingApprovalsOf(_ context.Context, project string, versions []string) ([]ledger.PendingApproval, error) {
	var out []ledger.PendingApproval
	for _, p := range f.pending {
		if p.Project == project && slices.Contains(versions, p.Version) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeLedger) ListBuilds(_ context.Context, flt ledger.BuildFilter) ([]ledger.Build, error) {
	var out []ledger.Build
	for _, b := range f.builds {
		if (flt.Project == "" || b.Project == flt.Project) && (flt.Status == "" || b.Status == flt.Status) {
			out = append(out, b)
		}
	}
	return out, nil
}

func (f *fakeLedger) ListPromotions(_ context.Context, flt ledger.PromotionFilter) ([]ledger.Promotion, error) {
	var out []ledger.Promotion
	for _, p := range f.proms {
		if (flt.Project == "" || p.Project == flt.Project) && (flt.Status == "" || p.Status == flt.Status) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeLedger) Environments(context.Context, string) ([]ledger.EnvironmentStatus, error) {
	return f.envs, nil
}

func (f *fakeLedger) EnvironmentHistory(_ context.Context, project, env string, _ int) ([]ledger.Deployment, error) {
	if f.history != nil {
		return f.history[project+"/"+env], nil
	}
	return f.deps, nil
}

// fakeQueue pages the waiting gates size at a time (0: all at once), with
// the index of a page's first gate as its cursor.
type fakeQueue struct {
	waiting []Approval
	size    int
	afters  []string // the cursors asked for
}

func (f *fakeQueue) Waiting(_ context.Context, user identity.User, after string) (ApprovalPage, error) {
	f.afters = append(f.afters, after)
	var all []Approval
	for _, a := range f.waiting {
		if user.MayDecide(a.Approvers) {
			all = append(all, a)
		}
	}
	from := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n > len(all) {
			return ApprovalPage{}, ErrBadCursor
		}
		from = n
	}
	page := ApprovalPage{Approvals: all[from:], Total: len(all)}
	if f.size > 0 && len(page.Approvals) > f.size {
		page.Approvals, page.Next = page.Approvals[:f.size], strconv.Itoa(from+f.size)
	}
	return page, nil
}

// fakeAuth knows tokens "alice-token", "bob-token" (group release) and "carol-token".
type fakeAuth struct{}

func (fakeAuth) Authenticate(r *http.Request) (identity.User, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return identity.User{}, identity.ErrNoCredentials
	}
	if u, ok := fakeUsers[strings.TrimSuffix(token, "-token")]; ok && strings.HasSuffix(token, "-token") {
		return u, nil
	}
	return identity.User{}, identity.ErrBadCredentials
}

// fakeUsers are the users of fakeAuth; tests change them to edit the "identity file".
var fakeUsers = map[string]identity.User{
	"alice": {Name: "alice"},
	"bob":   {Name: "bob", Groups: []string{"release"}},
	"carol": {Name: "carol"},
}

// Lookup reads the user's current entry, as identity.Directory does.
func (fakeAuth) Lookup(name string) (identity.User, bool) {
	u, ok := fakeUsers[name]
	return u, ok
}

// pendingProd is a promotion waiting for an approval of prod by group:release.
func pendingProd() workflows.PromotionState {
	since := time.Now().Add(-time.Minute)
	deadline := time.Now().Add(time.Hour)
	return workflows.PromotionState{
		ID: "promote/demo/1.0.0", Project: "demo", Version: "1.0.0", Commit: "abc123", Status: workflows.PromotionRunning,
		TriggeredBy: "alice", Current: "prod", StartedAt: since,
		Environments: []workflows.EnvironmentState{
			{Name: "dev", State: workflows.EnvDeployed},
			{Name: "prod", State: workflows.EnvAwaitingApproval, Gates: []workflows.GateState{{
				Kind: workflows.GateApproval, State: workflows.GatePending, WaitingSince: &since, Deadline: &deadline,
				Approvers: []string{"group:release"}, Required: 1,
			}}, Rules: []pipeline.RuleSource{
				{Rule: "approvers", Origin: pipeline.OriginRegistration, Value: "group:release"},
				{Rule: "required", Origin: pipeline.OriginDefinition, Value: "1"},
			}},
		},
	}
}
