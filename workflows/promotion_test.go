package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/pipeline"
)

// promotionStart is when test promotions start: a Monday, 10:00 UTC.
var promotionStart = time.Date(2025, time.January, 6, 10, 0, 0, 0, time.UTC)

type promotionEnv struct {
	env    *testsuite.TestWorkflowEnvironment
	acts   *fakePromotionActivities
	ledger *fakePromotionLedger
	locks  *fakeLocks
	audit  *fakeAudit
	// freezes are the environments frozen, by name; nil: none.
	freezes *fakeFreezes
	// id is the promotion under test; sign signs its decisions (see signed).
	id   string
	sign *testSigner
}

func newPromotionEnv(t *testing.T, script map[string]string) *promotionEnv {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	env.SetStartTime(promotionStart)
	pe := &promotionEnv{env: env, acts: newFakePromotionActivities(script), ledger: &fakePromotionLedger{},
		locks: &fakeLocks{env: env, previous: map[string]string{}, hold: map[string]bool{}, unanswered: map[string]int{}},
		audit: &fakeAudit{}, sign: apiSigner, freezes: &fakeFreezes{frozen: map[string]contracts.FreezeStatus{}}}
	env.RegisterWorkflowWithOptions(Promotion, workflow.RegisterOptions{Name: PromotionWorkflowName})
	for name, fn := range map[string]any{
		activityEnterEnvironment:      pe.acts.EnterEnvironment,
		activityCheckFreeze:           pe.freezes.CheckFreeze,
		activityDeploy:                pe.acts.Deploy,
		activityCheckHTTP:             pe.acts.CheckHTTP,
		activityCheckTask:             pe.acts.CheckTask,
		activityWaitExternal:          pe.acts.WaitExternal,
		activityCheckJenkins:          pe.acts.CheckJenkins,
		activityCheckGitHub:           pe.acts.CheckGitHubActions,
		activityCheckGitLab:           pe.acts.CheckGitLab,
		activityRecordPromotion:       pe.ledger.RecordPromotion,
		activityRecordDeployment:      pe.ledger.RecordDeployment,
		activityRecordDecision:        pe.ledger.RecordDecision,
		activityPutPendingApproval:    pe.ledger.PutPendingApproval,
		activityDeletePendingApproval: pe.ledger.DeletePendingApproval,
		activityRecordAudit:           pe.audit.RecordAudit,
	} {
		env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	env.RegisterActivityWithOptions(pe.locks.acquire, activity.RegisterOptions{Name: activityAcquireEnvironment})
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).
		Return(pe.locks.signalExternal)
	return pe
}

func promotionInput(envs ...pipeline.Environment) PromotionInput {
	return PromotionInput{
		Project: "demo", Version: "1.2.0", Commit: "0123456789abcdef", Branch: "main", Repository: "/src/demo",
		BuildID: "build/demo/0123456789abcdef", TriggeredBy: "dave", Environments: envs,
		Artifacts:    []contracts.ArtifactRef{{Name: "app.tgz", Key: "artifacts/app.tgz", SHA256: "abc", Size: 3}},
		DecisionKeys: []decision.PublicKey{apiSigner.PublicKey()},
	}
}

// environment is a test environment with a shell deploy, changed by opts.
func environment(name string, opts ...func(*pipeline.Environment)) pipeline.Environment {
	e := pipeline.Environment{Name: name, Deploy: pipeline.Deploy{Shell: "./deploy.sh " + name}}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func withApproval(required int, approvers ...string) func(*pipeline.Environment) {
	return func(e *pipeline.Environment) {
		e.Approval = &pipeline.Approval{Approvers: approvers, Required: required}
	}
}

func withVerify(checks ...pipeline.Verify) func(*pipeline.Environment) {
	return func(e *pipeline.Environment) { e.Verify = append(e.Verify, checks...) }
}

var (
	httpCheck = pipeline.Verify{HTTP: &pipeline.HTTPCheck{URL: "https://prod.example.com/healthz", Within: pipeline.Duration(15 * time.Second)}}
	taskCheck = pipeline.Verify{Task: &pipeline.TaskCheck{Run: "./api-tests.sh"}}
)

func bakeCheck(d time.Duration) pipeline.Verify {
	bake := pipeline.Duration(d)
	return pipeline.Verify{Bake: &bake}
}

func (pe *promotionEnv) run(t *testing.T, in PromotionInput) (PromotionState, error) {
	t.Helper()
	pe.id = contracts.PromotionID(in.Project, in.Version)
	pe.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: pe.id})
	pe.env.ExecuteWorkflow(PromotionWorkflowName, in)
	require.True(t, pe.env.IsWorkflowCompleted())
	var state PromotionState
	err := pe.env.GetWorkflowError()
	if err == nil {
		require.NoError(t, pe.env.GetWorkflowResult(&state))
		return state, nil
	}
	var canceled *temporal.CanceledError
	require.True(t, errors.As(err, &canceled), "unexpected workflow error: %v", err)
	require.NoError(t, canceled.Details(&state))
	return state, err
}

// updateOutcome is what an update sent during a test run came to.
type updateOutcome struct {
	done   bool
	err    error
	result any
}

// update sends an update after a delay (workflow time), a Decision or a
// SkipBake signed as the API signs them (see updateAsIs).
func (pe *promotionEnv) update(after time.Duration, name string, arg any) *updateOutcome {
	return pe.updateAsIs(after, name, arg, true)
}

// updateAsIs sends an update after a delay, signing its Decision or SkipBake
// when sign is true (and it carries no proof yet).
func (pe *promotionEnv) updateAsIs(after time.Duration, name string, arg any, sign bool) *updateOutcome {
	out := &updateOutcome{}
	pe.env.RegisterDelayedCallback(func() {
		if sign {
			arg = pe.signed(arg)
		}
		pe.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { out.done, out.err = true, err },
			OnComplete: func(res any, err error) {
				out.done, out.result, out.err = true, res, err
			},
		}, arg)
	}, after)
	return out
}

// signal sends a signal after a delay (workflow time); a Decision is signed
// as the API signs it, unless it carries a proof.
func (pe *promotionEnv) signal(after time.Duration, name string, arg any) {
	pe.env.RegisterDelayedCallback(func() { pe.env.SignalWorkflow(name, pe.signed(arg)) }, after)
}

// signalAsIs sends a signal after a delay, unsigned: as Temporal Web would.
func (pe *promotionEnv) signalAsIs(after time.Duration, name string, arg any) {
	pe.env.RegisterDelayedCallback(func() { pe.env.SignalWorkflow(name, arg) }, after)
}

// queryAt captures the promotion's state after a delay (workflow time).
func (pe *promotionEnv) queryAt(t *testing.T, after time.Duration) *PromotionState {
	var state PromotionState
	pe.env.RegisterDelayedCallback(func() {
		v, err := pe.env.QueryWorkflow(PromotionStateQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&state))
	}, after)
	return &state
}

func envStates(s PromotionState) map[string]string {
	out := map[string]string{}
	for _, e := range s.Environments {
		out[e.Name] = e.State
	}
	return out
}

func promotionEvents(s PromotionState) []string {
	var out []string
	for _, e := range s.Events {
		out = append(out, e.Type+" "+e.Stage)
	}
	return out
}

func hasEvent(s PromotionState, typ, env string) bool {
	for _, e := range s.Events {
		if e.Type == typ && e.Stage == env {
			return true
		}
	}
	return false
}

func TestPromotionDeploysEveryEnvironmentInOrder(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.locks.previous["prod"] = "1.1.0"
	state, err := pe.run(t, promotionInput(
		environment("dev"),
		environment("staging", withVerify(httpCheck, taskCheck)),
		environment("prod"),
	))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)
	require.Equal(t, map[string]string{"dev": EnvDeployed, "staging": EnvDeployed, "prod": EnvDeployed}, envStates(state))
	require.Equal(t, []string{
		"DEPLOY_STARTED dev", "DEPLOY_COMPLETED dev",
		"DEPLOY_STARTED staging", "DEPLOY_COMPLETED staging", "VERIFICATION_COMPLETED staging",
		"DEPLOY_STARTED prod", "DEPLOY_COMPLETED prod",
		"PROMOTION_COMPLETE ",
	}, promotionEvents(state))
	require.Equal(t, []string{
		"dev acquire", "dev release deployed", "staging acquire", "staging release deployed",
		"prod acquire", "prod release deployed",
	}, pe.locks.sent())

	staging := state.Environments[1]
	require.Len(t, staging.Verify, 2)
	require.Equal(t, pipeline.VerifyHTTP, staging.Verify[0].Kind)
	require.Equal(t, StepSucceeded, staging.Verify[0].State)
	require.Equal(t, StepSucceeded, staging.Verify[1].State)
	require.Equal(t, "https://staging", staging.Deploy.Outputs["url"])

	require.Len(t, pe.acts.entered, 3)
	require.Equal(t, "promote/demo/1.2.0", pe.acts.entered[0].Request.PromotionID)
	require.Equal(t, pipeline.PolicyFIFO, pe.acts.entered[0].Request.Policy)
	require.Equal(t, promotionStart, pe.acts.entered[2].Request.At.UTC())
	require.Len(t, pe.acts.deploys, 3)
	require.Equal(t, "1.2.0", pe.acts.deploys[2].Version)
	require.Len(t, pe.acts.deploys[2].Artifacts, 1)
	require.False(t, pe.acts.deploys[2].Rollback)

	require.Len(t, pe.ledger.promotions, 2)
	require.Equal(t, string(PromotionRunning), pe.ledger.promotions[0].Status)
	require.Equal(t, string(PromotionCompleted), pe.ledger.promotions[1].Status)
	require.NotNil(t, pe.ledger.promotions[1].FinishedAt)
	require.Len(t, pe.ledger.deployments, 6)
	last := pe.ledger.deployments[5]
	require.Equal(t, "prod", last.Environment)
	require.Equal(t, EnvDeployed, last.Result)
	require.Equal(t, "1.1.0", last.PreviousVersion)
	require.Equal(t, "dave", last.Actor)
}

func TestPromotionSkipsEnvironmentsOfOtherBranches(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	onlyQA := func(e *pipeline.Environment) { e.Branches = []string{"qa"} }
	mainish := func(e *pipeline.Environment) { e.Branches = []string{"main", "release/*"} }
	state, err := pe.run(t, promotionInput(environment("dev", mainish), environment("qa", onlyQA), environment("prod")))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)
	require.Equal(t, map[string]string{"dev": EnvDeployed, "qa": EnvSkipped, "prod": EnvDeployed}, envStates(state))
	require.Equal(t, "branch main is not in qa", state.Environments[1].Detail)
	for _, in := range pe.acts.entered {
		require.NotEqual(t, "qa", in.Environment, "a skipped environment is never entered")
	}
	require.Zero(t, pe.acts.callCount("qa/deploy"))
}
