package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// fakePromotionActivities plays the promotion activities. Outcomes are
// scripted by key ("<env>/deploy", "<env>/rollback", "<env>/http", "<env>/task", "<env>/external", "<env>/jenkins", "<env>/github_actions", "<env>/gitlab"):
// outcomeOK (the default), outcomeFail (non-retryable), outcomeInfra
// (retryable, then ok).
type fakePromotionActivities struct {
	mu      sync.Mutex
	script  map[string]string
	calls   map[string]int
	entered []contracts.EnterEnvironmentInput
	deploys []contracts.DeployInput
	onEnter func(contracts.EnterEnvironmentInput)
	// checks lists the checks run, as "<env>/<kind>/<index>" (external, jenkins, github_actions, gitlab).
	checks []string
}

func newFakePromotionActivities(script map[string]string) *fakePromotionActivities {
	return &fakePromotionActivities{script: script, calls: map[string]int{}}
}

func (f *fakePromotionActivities) outcome(key string) (string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[key]++
	return f.script[key], f.calls[key]
}

func (f *fakePromotionActivities) callCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

func (f *fakePromotionActivities) EnterEnvironment(_ context.Context, in contracts.EnterEnvironmentInput) error {
	f.mu.Lock()
	f.entered = append(f.entered, in)
	hook := f.onEnter
	f.mu.Unlock()
	if hook != nil {
		hook(in)
	}
	return nil
}

func (f *fakePromotionActivities) Deploy(_ context.Context, in contracts.DeployInput) (contracts.DeployResult, error) {
	key := in.Environment + "/deploy"
	if in.Rollback {
		key = in.Environment + "/rollback"
	}
	f.mu.Lock()
	f.deploys = append(f.deploys, in)
	f.mu.Unlock()
	switch outcome, n := f.outcome(key); {
	case outcome == outcomeFail:
		return contracts.DeployResult{}, temporal.NewNonRetryableApplicationError("deploy.sh exited with code 2", contracts.ErrTypeDeployFailed, nil)
	case outcome == outcomeInfra && n == 1:
		return contracts.DeployResult{}, errors.New("connection reset")
	}
	return contracts.DeployResult{Detail: "deployed " + in.Version, Outputs: map[string]string{"url": "https://" + in.Environment}}, nil
}

func (f *fakePromotionActivities) check(env, kind string) (contracts.CheckResult, error) {
	if outcome, _ := f.outcome(env + "/" + kind); outcome == outcomeFail {
		return contracts.CheckResult{}, temporal.NewNonRetryableApplicationError("GET /healthz: got 503, want 200", contracts.ErrTypeCheckFailed, nil)
	}
	return contracts.CheckResult{Detail: "passed"}, nil
}

func (f *fakePromotionActivities) CheckHTTP(_ context.Context, in contracts.HTTPCheckInput) (contracts.CheckResult, error) {
	return f.check(in.Environment, "http")
}

func (f *fakePromotionActivities) CheckTask(_ context.Context, in contracts.TaskCheckInput) (contracts.CheckResult, error) {
	return f.check(in.Environment, "task")
}

func (f *fakePromotionActivities) WaitExternal(_ context.Context, in contracts.ExternalCheckInput) (contracts.CheckResult, error) {
	f.ran(in.Environment, "external", in.Index)
	return f.check(in.Environment, "external")
}

func (f *fakePromotionActivities) CheckJenkins(_ context.Context, in contracts.JenkinsCheckInput) (contracts.CheckResult, error) {
	f.ran(in.Environment, "jenkins", in.Index)
	return f.check(in.Environment, "jenkins")
}

func (f *fakePromotionActivities) CheckGitHubActions(_ context.Context, in contracts.GitHubCheckInput) (contracts.CheckResult, error) {
	f.ran(in.Environment, "github_actions", in.Index)
	return f.check(in.Environment, "github_actions")
}

func (f *fakePromotionActivities) CheckGitLab(_ context.Context, in contracts.GitLabCheckInput) (contracts.CheckResult, error) {
	f.ran(in.Environment, "gitlab", in.Index)
	return f.check(in.Environment, "gitlab")
}

func (f *fakePromotionActivities) ran(env, kind string, index int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, fmt.Sprintf("%s/%s/%d", env, kind, index))
}

// fakePromotionLedger records what promotions write to the ledger.
type fakePromotionLedger struct {
	mu          sync.Mutex
	promotions  []ledger.Promotion
	deployments []ledger.Deployment
	decisions   []ledger.Decision
	// approvals lists the pending approval writes: "put <env> approved_by=[...]", "delete <env>".
	approvals []string
	pending   map[string]ledger.PendingApproval // the rows, by environment
}

func (l *fakePromotionLedger) RecordPromotion(_ context.Context, p ledger.Promotion) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.promotions = append(l.promotions, p)
	return nil
}

func (l *fakePromotionLedger) RecordDeployment(_ context.Context, d ledger.Deployment) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deployments = append(l.deployments, d)
	return nil
}

func (l *fakePromotionLedger) RecordDecision(_ context.Context, d ledger.Decision) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.decisions = append(l.decisions, d)
	return nil
}

// lockSignal is a signal a promotion sent to an Environment workflow.
type lockSignal struct {
	Environment string
	Signal      string
	Arg         any
	// ByUpdate: an acquire sent as UpdateAcquire (AcquireEnvironment), not a signal.
	ByUpdate bool
}

// fakeLocks plays the Environment workflows' side for a promotion under
// test: it grants every acquire at once (with Previous from previous),
// unless the environment is in hold.
type fakeLocks struct {
	env      *testsuite.TestWorkflowEnvironment
	mu       sync.Mutex
	previous map[string]string
	hold     map[string]bool
	signals  []lockSignal
	// unanswered counts, per environment, the asks that fail before one is answered.
	unanswered map[string]int
	asks       []lockAsk
}

// lockAsk is one run of the fake AcquireEnvironment.
type lockAsk struct {
	Environment string
	Local       bool // a local activity
}

// signalExternal is the mock of workflow.SignalExternalWorkflow.
func (l *fakeLocks) signalExternal(_, workflowID, _, signal string, arg any) error {
	env := workflowID[strings.LastIndex(workflowID, "/")+1:]
	l.mu.Lock()
	l.signals = append(l.signals, lockSignal{Environment: env, Signal: signal, Arg: arg})
	grant := signal == contracts.SignalAcquire && !l.hold[env]
	prev := l.previous[env]
	l.mu.Unlock()
	if grant {
		l.env.SignalWorkflow(contracts.SignalLockGranted, contracts.LockGrant{Environment: env, Previous: prev})
	}
	return nil
}

// acquire is the fake AcquireEnvironment local activity: it answers with
// the lock at once (with Previous from previous) unless the environment is
// in hold, where the promotion is queued. It is listed in sent as an
// "acquire" signal.
func (l *fakeLocks) acquire(ctx context.Context, in contracts.AcquireEnvironmentInput) (contracts.LockAnswer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asks = append(l.asks, lockAsk{Environment: in.Environment, Local: activity.GetInfo(ctx).IsLocalActivity})
	if l.unanswered[in.Environment] > 0 {
		l.unanswered[in.Environment]--
		return contracts.LockAnswer{}, errors.New("environment busy")
	}
	l.signals = append(l.signals, lockSignal{Environment: in.Environment, Signal: contracts.SignalAcquire, Arg: in.Request, ByUpdate: true})
	if l.hold[in.Environment] {
		return contracts.LockAnswer{Queued: true}, nil
	}
	return contracts.LockAnswer{Grant: &contracts.LockGrant{Environment: in.Environment, Previous: l.previous[in.Environment]}}, nil
}

// byUpdate reports, for each acquire sent, whether it was an update.
func (l *fakeLocks) byUpdate() []bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []bool
	for _, s := range l.signals {
		if s.Signal == contracts.SignalAcquire {
			out = append(out, s.ByUpdate)
		}
	}
	return out
}

// sent lists "<env> <signal> [<result>]" for every signal sent.
func (l *fakeLocks) sent() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.signals {
		line := s.Environment + " " + s.Signal
		if rel, ok := s.Arg.(contracts.LockRelease); ok {
			line += " " + rel.Result
		}
		out = append(out, line)
	}
	return out
}

// recordStates records every DroverState the promotion publishes, in order.
func (pe *promotionEnv) recordStates() *[]string {
	var mu sync.Mutex
	states := &[]string{}
	key := temporal.NewSearchAttributeKeyKeyword(SearchAttrState)
	pe.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(key); ok {
			mu.Lock()
			*states = append(*states, v)
			mu.Unlock()
		}
	}).Return(nil)
	return states
}
