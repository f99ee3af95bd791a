package workflows

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

func TestPromotionDeployFailureStopsThePromotion(t *testing.T) {
	pe := newPromotionEnv(t, map[string]string{"dev/deploy": outcomeInfra, "staging/deploy": outcomeFail})
	state, err := pe.run(t, promotionInput(environment("dev"), environment("staging"), environment("prod")))
	require.NoError(t, err)
	require.Equal(t, PromotionStopped, state.Status)
	require.Equal(t, map[string]string{"dev": EnvDeployed, "staging": EnvFailed, "prod": EnvPending}, envStates(state))
	require.Equal(t, 2, pe.acts.callCount("dev/deploy"), "an infrastructure error is retried")
	require.Equal(t, 1, pe.acts.callCount("staging/deploy"), "a failed deploy is not retried")

	staging := state.Environments[1]
	require.Equal(t, StepFailed, staging.Deploy.State)
	require.Equal(t, "deploy.sh exited with code 2", staging.Deploy.Error)
	require.Equal(t, "deploy failed: deploy.sh exited with code 2", staging.Detail)
	require.True(t, hasEvent(state, EventDeployFailed, "staging"))
	require.Nil(t, staging.Rollback)
	require.Equal(t, []string{"dev acquire", "dev release deployed", "staging acquire", "staging release failed"}, pe.locks.sent())
	last := pe.ledger.deployments[len(pe.ledger.deployments)-1]
	require.Equal(t, "staging", last.Environment)
	require.Equal(t, EnvFailed, last.Result)
	require.Equal(t, "staging: stopped: staging failed", "staging: "+state.Events[len(state.Events)-1].Message)
}

func TestPromotionVerificationFailure(t *testing.T) {
	manual := func(e *pipeline.Environment) { e.Rollback = pipeline.RollbackManual }
	cases := []struct {
		name     string
		previous string
		opts     []func(*pipeline.Environment)
		rollback string // the rollback deploy's outcome
		result   string
	}{
		{name: "rolls back to the previous version", previous: "1.1.0", result: EnvRolledBack},
		{name: "without a previous version", result: EnvFailed},
		{name: "with rollback manual", previous: "1.1.0", opts: []func(*pipeline.Environment){manual}, result: EnvFailed},
		{name: "with a failed rollback", previous: "1.1.0", rollback: outcomeFail, result: EnvFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pe := newPromotionEnv(t, map[string]string{"prod/task": outcomeFail, "prod/rollback": tc.rollback})
			pe.locks.previous["prod"] = tc.previous
			opts := append([]func(*pipeline.Environment){withVerify(httpCheck, taskCheck, bakeCheck(time.Hour))}, tc.opts...)
			state, err := pe.run(t, promotionInput(environment("prod", opts...)))
			require.NoError(t, err)
			require.Equal(t, PromotionStopped, state.Status)
			prod := state.Environments[0]
			require.Equal(t, tc.result, prod.State)
			require.Len(t, prod.Verify, 2, "the checks after the failed one do not run")
			require.Equal(t, StepSucceeded, prod.Verify[0].State)
			require.Equal(t, StepFailed, prod.Verify[1].State)
			require.Equal(t, "task check failed: GET /healthz: got 503, want 200", prod.Detail[:len("task check failed: GET /healthz: got 503, want 200")])
			require.True(t, hasEvent(state, EventVerificationFailed, "prod"))
			require.Equal(t, []string{"prod acquire", "prod release " + tc.result}, pe.locks.sent())

			rolledBack := tc.previous != "" && len(tc.opts) == 0
			require.Equal(t, rolledBack, prod.Rollback != nil)
			require.Equal(t, tc.result == EnvRolledBack, hasEvent(state, EventRolledBack, "prod"))
			if !rolledBack {
				require.Zero(t, pe.acts.callCount("prod/rollback"))
				return
			}
			rb := pe.acts.deploys[1]
			require.True(t, rb.Rollback)
			require.Equal(t, "1.1.0", rb.Version)
			require.Empty(t, rb.Artifacts, "the activity looks up the previous version's artifacts")
			deps := pe.ledger.deployments
			require.Len(t, deps, 4)
			// deploying, rollback deploying, rollback's result, the deploy's result.
			require.True(t, deps[2].Rollback)
			require.Equal(t, "1.1.0", deps[2].Version)
			require.Equal(t, "1.2.0", deps[2].PreviousVersion)
			require.False(t, deps[3].Rollback)
			require.Equal(t, tc.result, deps[3].Result)
			if tc.result == EnvRolledBack {
				require.Equal(t, "deployed", deps[2].Result)
				require.Equal(t, StepSucceeded, prod.Rollback.State)
			} else {
				require.Equal(t, EnvFailed, deps[2].Result)
				require.Contains(t, prod.Detail, "rollback to 1.1.0 failed")
			}
		})
	}
}

func TestPromotionBakeEndsEarlyBySkipBake(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	wrongEnv := pe.update(10*time.Minute, SkipBakeUpdate, SkipBake{Environment: "dev", Actor: "alice", Reason: "hotfix"})
	baking := pe.queryAt(t, 15*time.Minute)
	skip := pe.update(20*time.Minute, SkipBakeUpdate, SkipBake{Environment: "prod", Actor: "alice", Reason: "hotfix"})
	state, err := pe.run(t, promotionInput(environment("prod", withVerify(bakeCheck(10*time.Hour), httpCheck))))
	require.NoError(t, err)

	require.Error(t, wrongEnv.err)
	kind, _ := IsDecisionRefused(wrongEnv.err)
	require.Equal(t, ErrTypeNotPending, kind)
	require.NoError(t, skip.err)

	require.Equal(t, EnvVerifying, baking.Environments[0].State)
	require.Equal(t, StepRunning, baking.Environments[0].Verify[0].State)
	require.Equal(t, promotionStart.Add(10*time.Hour), baking.Environments[0].Verify[0].Deadline.UTC())

	prod := state.Environments[0]
	require.Equal(t, EnvDeployed, prod.State)
	require.Equal(t, StepSkipped, prod.Verify[0].State)
	require.Equal(t, "skipped by alice: hotfix", prod.Verify[0].Detail)
	require.Equal(t, promotionStart.Add(20*time.Minute), prod.Verify[0].FinishedAt.UTC())
	require.Equal(t, StepSucceeded, prod.Verify[1].State, "the checks after the bake run")
	require.True(t, hasEvent(state, EventBakeSkipped, "prod"))
}

func TestPromotionBakeRunsItsCourse(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	state, err := pe.run(t, promotionInput(environment("prod", withVerify(bakeCheck(10*time.Hour)))))
	require.NoError(t, err)
	require.Equal(t, StepSucceeded, state.Environments[0].Verify[0].State)
	require.Equal(t, promotionStart.Add(10*time.Hour), state.Environments[0].Verify[0].FinishedAt.UTC())
}

func TestPromotionSoaksBeforeTheNextEnvironment(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	soak := func(e *pipeline.Environment) { e.Soak = pipeline.Duration(6 * time.Hour) }
	soaking := pe.queryAt(t, time.Hour)
	state, err := pe.run(t, promotionInput(environment("staging", soak), environment("prod", withApproval(1, "alice"))))
	require.NoError(t, err, "the approval expires, the promotion stops")

	require.Equal(t, EnvAwaitingSoak, soaking.Environments[1].State)
	require.Equal(t, GateSoak, soaking.Environments[1].Gates[0].Kind)
	require.Equal(t, promotionStart.Add(6*time.Hour), soaking.Environments[1].Gates[0].Deadline.UTC())
	require.Equal(t, GateWaiting, soaking.Environments[1].Gates[1].State, "the approval waits for the soak")
	require.Nil(t, soaking.Environments[1].Gates[1].WaitingSince)

	prod := state.Environments[1]
	require.Equal(t, GatePassed, prod.Gates[0].State)
	require.Equal(t, promotionStart.Add(6*time.Hour), prod.Gates[1].WaitingSince.UTC(), "approval asked once the soak ended")
}

func TestPromotionWaitsForTheDeployWindow(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	window := func(e *pipeline.Environment) {
		e.Window = &pipeline.Window{Days: []string{"tue", "wed"}, Start: "09:00", End: "17:00", Timezone: "Europe/Paris"}
	}
	waiting := pe.queryAt(t, time.Hour)
	state, err := pe.run(t, promotionInput(environment("prod", window)))
	require.NoError(t, err)

	opens := time.Date(2025, time.January, 7, 8, 0, 0, 0, time.UTC) // Tuesday 09:00 in Paris
	require.Equal(t, EnvAwaitingWindow, waiting.Environments[0].State)
	require.Equal(t, opens, waiting.Environments[0].Gates[0].Deadline.UTC())
	prod := state.Environments[0]
	require.Equal(t, EnvDeployed, prod.State)
	require.Equal(t, GatePassed, prod.Gates[0].State)
	require.Equal(t, opens, prod.Deploy.StartedAt.UTC())
}

// A promotion queued for the lock behind a version that holds it past the
// window's end waits for the next opening before it deploys, since
// promotion-changes version 3; and for a freeze declared while it queued.
// One recorded before deploys at the grant, as it did.
func TestPromotionQueuedPastTheWindowWaitsForItAgain(t *testing.T) {
	window := func(e *pipeline.Environment) {
		e.Window = &pipeline.Window{Days: []string{"tue", "wed"}, Start: "09:00", End: "17:00", Timezone: "Europe/Paris"}
	}
	granted := promotionStart.Add(32 * time.Hour)                     // Tuesday 19:00 in Paris: closed
	reopens := time.Date(2025, time.January, 8, 8, 0, 0, 0, time.UTC) // Wednesday 09:00 in Paris
	for _, version := range []workflow.Version{2, promotionChangesVersion} {
		pe := newPromotionEnv(t, nil)
		pe.env.OnGetVersion(promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion).Return(version)
		pe.locks.hold["prod"] = true
		pe.signal(granted.Sub(promotionStart), contracts.SignalLockGranted, contracts.LockGrant{Environment: "prod"})
		waiting := pe.queryAt(t, granted.Sub(promotionStart)+time.Hour)
		state, err := pe.run(t, promotionInput(environment("prod", window)))
		require.NoError(t, err)
		prod := state.Environments[0]
		require.Equal(t, EnvDeployed, prod.State)
		if version == 2 {
			require.Equal(t, granted, prod.Deploy.StartedAt.UTC(), "deployed outside the window")
			continue
		}
		require.Equal(t, EnvAwaitingWindow, waiting.Environments[0].State)
		require.Equal(t, reopens, prod.Deploy.StartedAt.UTC())
	}

	pe := newPromotionEnv(t, nil)
	pe.locks.hold["prod"] = true
	pe.env.RegisterDelayedCallback(func() {
		pe.freezes.set("prod", contracts.FreezeStatus{Frozen: true, Reason: "incident", By: "erin"})
	}, time.Hour)
	pe.signal(2*time.Hour, contracts.SignalLockGranted, contracts.LockGrant{Environment: "prod"})
	frozen := pe.queryAt(t, 3*time.Hour)
	pe.env.RegisterDelayedCallback(func() { pe.freezes.set("prod", contracts.FreezeStatus{}) }, 4*time.Hour)
	state, err := pe.run(t, promotionInput(environment("prod")))
	require.NoError(t, err)
	require.Equal(t, EnvFrozen, frozen.Environments[0].State, "a freeze declared while it queued holds it")
	require.Equal(t, EnvDeployed, state.Environments[0].State)
	require.False(t, state.Environments[0].Deploy.StartedAt.UTC().Before(promotionStart.Add(4*time.Hour)), "not before the freeze lifted")
}

func TestPromotionSupersededWhileAwaitingApproval(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	supersede := func(e *pipeline.Environment) { e.Policy = pipeline.PolicySupersede }
	pe.signal(time.Hour, contracts.SignalSuperseded, contracts.Superseded{Environment: "prod", By: "1.3.0"})
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod", withApproval(1, "alice"), supersede)))
	require.NoError(t, err)
	require.Equal(t, PromotionStopped, state.Status)
	prod := state.Environments[1]
	require.Equal(t, EnvSuperseded, prod.State)
	require.Equal(t, GateWithdrawn, prod.Gates[0].State)
	require.Equal(t, "superseded by 1.3.0", prod.Detail)
	require.Equal(t, promotionStart.Add(time.Hour), prod.FinishedAt.UTC())
	require.True(t, hasEvent(state, EventSuperseded, "prod"))
	require.Equal(t, pipeline.PolicySupersede, pe.acts.entered[1].Request.Policy)
	require.Equal(t, []string{"dev acquire", "dev release deployed", "prod leave superseded"}, pe.locks.sent())
}

func TestPromotionSupersededWhileQueued(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.locks.hold["prod"] = true
	pe.signal(time.Hour, contracts.SignalSuperseded, contracts.Superseded{Environment: "dev", By: "1.3.0"})
	pe.signal(2*time.Hour, contracts.SignalSuperseded, contracts.Superseded{Environment: "prod", By: "1.3.0"})
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod")))
	require.NoError(t, err)
	require.Equal(t, EnvDeployed, state.Environments[0].State, "a late supersession of an environment left is ignored")
	require.Equal(t, EnvSuperseded, state.Environments[1].State)
	require.Zero(t, pe.acts.callCount("prod/deploy"))
	require.Equal(t, []string{"dev acquire", "dev release deployed", "prod acquire", "prod leave superseded"}, pe.locks.sent())
}

func TestPromotionSupersededDecisionIsRefused(t *testing.T) {
	in := promotionInput(environment("prod", withApproval(1, "alice")))
	plan, err := pipeline.CompilePromotion(in.Environments, promotionStart)
	require.NoError(t, err)
	r := &promotionRun{in: in, plan: plan, cur: 0, rec: &promotionRecord{in: in}}
	r.rec.state.Environments = []EnvironmentState{{Name: "prod", State: EnvSuperseded, Detail: "superseded by 1.3.0",
		Gates: []GateState{{Kind: GateApproval, State: GateWithdrawn, Approvers: []string{"alice"}, Required: 1}}}}
	err = r.validateDecision(approve("prod", "alice"))
	kind, ok := IsDecisionRefused(err)
	require.True(t, ok)
	require.Equal(t, ErrTypeSuperseded, kind)
	require.Contains(t, err.Error(), "superseded: prod 1.2.0 was superseded by 1.3.0")
}

func TestPromotionCancelledWhileAwaitingApproval(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.env.RegisterDelayedCallback(func() { pe.env.CancelWorkflow() }, time.Hour)
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod", withApproval(1, "alice"))))
	var canceled *temporal.CanceledError
	require.ErrorAs(t, err, &canceled)
	require.Equal(t, PromotionCancelled, state.Status)
	require.Equal(t, EnvCancelled, state.Environments[1].State)
	require.Equal(t, GateWithdrawn, state.Environments[1].Gates[0].State)
	require.Equal(t, []string{"dev acquire", "dev release deployed", "prod leave cancelled"}, pe.locks.sent())
	require.Equal(t, string(PromotionCancelled), pe.ledger.promotions[len(pe.ledger.promotions)-1].Status)
}

// Since promotion-changes version 2 a promotion asks for the lock with an
// update: a free lock is taken at once, without a "queued" state; a
// promotion recorded before asks with a signal and waits for the grant's.
func TestPromotionAsksTheLockByUpdateSincePromotionChanges2(t *testing.T) {
	for _, version := range []workflow.Version{1, 2} {
		pe := newPromotionEnv(t, nil)
		if version == 1 {
			pe.env.OnGetVersion(promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion).Return(version)
		}
		states := pe.recordStates()
		state, err := pe.run(t, promotionInput(environment("dev"), environment("prod")))
		require.NoError(t, err)
		require.Equal(t, PromotionCompleted, state.Status)
		require.Equal(t, []string{"dev acquire", "dev release deployed", "prod acquire", "prod release deployed"}, pe.locks.sent())
		require.Equal(t, []bool{version == 2, version == 2}, pe.locks.byUpdate(), "version %d", version)
		require.Equal(t, version == 1, slices.Contains(*states, EnvQueued), "version %d shows queued: %v", version, *states)
	}
}

// A promotion the lock queues shows queued and deploys when the grant's
// signal comes.
func TestPromotionQueuedByTheUpdateWaitsForTheGrant(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.locks.hold["prod"] = true
	queued := pe.queryAt(t, time.Hour)
	pe.signal(2*time.Hour, contracts.SignalLockGranted, contracts.LockGrant{Environment: "prod", Previous: "1.1.0"})
	state, err := pe.run(t, promotionInput(environment("prod")))
	require.NoError(t, err)
	require.Equal(t, EnvQueued, queued.Environments[0].State)
	require.Equal(t, EnvDeployed, state.Environments[0].State)
	require.Equal(t, promotionStart.Add(2*time.Hour), state.Environments[0].Deploy.StartedAt.UTC())
	require.Equal(t, "1.1.0", pe.ledger.deployments[0].PreviousVersion)
}

// An environment that does not answer the local activity at once is asked
// again by an activity, retried until it answers.
func TestPromotionAsksAnEnvironmentThatDoesNotAnswerAgainByActivity(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.locks.unanswered["prod"] = 3 // the local ask, then two activity attempts
	state, err := pe.run(t, promotionInput(environment("prod")))
	require.NoError(t, err)
	require.Equal(t, EnvDeployed, state.Environments[0].State)
	require.Equal(t, []lockAsk{{"prod", true}, {"prod", false}, {"prod", false}, {"prod", false}}, pe.locks.asks)
}
