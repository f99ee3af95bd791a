package workflows

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// envHarness runs the Environment workflow and records what it signals to promotions.
type envHarness struct {
	env  *testsuite.TestWorkflowEnvironment
	mu   sync.Mutex
	sent []string // "<version> <signal> <previous or by>"
	// gone are the versions whose promotion has ended: signals to it fail.
	gone map[string]bool
}

func newEnvHarness(t *testing.T) *envHarness {
	var suite testsuite.WorkflowTestSuite
	h := &envHarness{env: suite.NewTestWorkflowEnvironment(), gone: map[string]bool{}}
	h.env.SetTestTimeout(30 * time.Second)
	h.env.SetStartTime(promotionStart)
	h.env.RegisterWorkflowWithOptions(Environment, workflow.RegisterOptions{Name: EnvironmentWorkflowName})
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).
		Return(func(_, workflowID, runID, signal string, arg any) error {
			line := workflowID[len("promote/demo/"):] + " " + signal
			switch a := arg.(type) {
			case contracts.LockGrant:
				line += " " + a.Previous
			case contracts.Superseded:
				line += " " + a.By
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			h.sent = append(h.sent, line)
			if h.gone[workflowID[len("promote/demo/"):]] {
				return errors.New("workflow not found")
			}
			return nil
		})
	return h
}

// lockRequest is the request of the promotion of version, started at promotionStart+age.
func lockRequest(version, policy string, age time.Duration) contracts.LockRequest {
	return contracts.LockRequest{PromotionID: contracts.PromotionID("demo", version), RunID: "run-" + version,
		Version: version, Policy: policy, At: promotionStart.Add(age)}
}

func lockRelease(version, result string) contracts.LockRelease {
	return contracts.LockRelease{PromotionID: contracts.PromotionID("demo", version), Version: version, Result: result}
}

// at sends signals after a delay (workflow time).
func (h *envHarness) at(after time.Duration, signal string, args ...any) {
	h.env.RegisterDelayedCallback(func() {
		for _, a := range args {
			h.env.SignalWorkflow(signal, a)
		}
	}, after)
}

func (h *envHarness) queryAt(t *testing.T, after time.Duration) *EnvironmentLockState {
	var state EnvironmentLockState
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(EnvironmentStateQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&state))
	}, after)
	return &state
}

func (h *envHarness) sentAt(after time.Duration) *[]string {
	var out []string
	h.env.RegisterDelayedCallback(func() {
		h.mu.Lock()
		out = append([]string(nil), h.sent...)
		h.mu.Unlock()
	}, after)
	return &out
}

// run runs the workflow until cancelAfter (it never ends on its own) and
// returns how it ended.
func (h *envHarness) run(in EnvironmentInput, cancelAfter time.Duration) error {
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, cancelAfter)
	h.env.ExecuteWorkflow(EnvironmentWorkflowName, in)
	return h.env.GetWorkflowError()
}

func versions(reqs []contracts.LockRequest) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Version)
	}
	return out
}

func TestEnvironmentGrantsTheLockInArrivalOrder(t *testing.T) {
	h := newEnvHarness(t)
	a, b, c := lockRequest("1.0.0", "", 0), lockRequest("1.1.0", "", time.Hour), lockRequest("1.2.0", "", 2*time.Hour)
	h.at(time.Minute, contracts.SignalArrive, a, b, c)
	h.at(2*time.Minute, contracts.SignalAcquire, a, c, b) // c's gates passed before b's
	held := h.queryAt(t, 3*time.Minute)
	beforeRelease := h.sentAt(9 * time.Minute)
	h.at(10*time.Minute, contracts.SignalRelease, lockRelease("1.0.0", EnvDeployed))
	second := h.queryAt(t, 11*time.Minute)
	h.at(20*time.Minute, contracts.SignalRelease, lockRelease("1.2.0", EnvFailed))
	final := h.queryAt(t, 21*time.Minute)

	var canceled *temporal.CanceledError
	require.ErrorAs(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour), &canceled)

	require.Equal(t, "1.0.0", held.Holder.Version)
	require.Equal(t, []string{"1.2.0", "1.1.0"}, versions(held.Queue), "first come, first served")
	require.Empty(t, held.Arrived)
	require.Equal(t, []string{"1.0.0 lock-granted "}, *beforeRelease, "no second holder while the first holds")

	require.Equal(t, "1.2.0", second.Holder.Version)
	require.Equal(t, "1.0.0", second.Current)
	require.Equal(t, []string{"1.1.0"}, versions(second.Queue))

	require.Equal(t, "1.1.0", final.Holder.Version)
	require.Equal(t, "1.0.0", final.Current, "a failed deploy does not change what is deployed")
	require.Equal(t, []string{"1.0.0 deployed", "1.2.0 failed"}, final.Recent)
	require.Equal(t, []string{"1.0.0 lock-granted ", "1.2.0 lock-granted 1.0.0", "1.1.0 lock-granted 1.0.0"}, h.sent)
}

func TestEnvironmentLeaveRemovesAWaitingPromotion(t *testing.T) {
	h := newEnvHarness(t)
	a, b, c := lockRequest("1.0.0", "", 0), lockRequest("1.1.0", "", time.Hour), lockRequest("1.2.0", "", 2*time.Hour)
	h.at(time.Minute, contracts.SignalAcquire, a, b, c)
	h.at(2*time.Minute, contracts.SignalLeave, lockRelease("1.1.0", EnvRejected))
	h.at(3*time.Minute, contracts.SignalRelease, lockRelease("1.0.0", EnvDeployed))
	final := h.queryAt(t, 4*time.Minute)
	require.Error(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour))
	require.Equal(t, "1.2.0", final.Holder.Version)
	require.Empty(t, final.Queue)
	require.Equal(t, []string{"1.0.0 lock-granted ", "1.2.0 lock-granted 1.0.0"}, h.sent)
}

func TestEnvironmentSupersedesOlderWaitingVersions(t *testing.T) {
	h := newEnvHarness(t)
	s := pipeline.PolicySupersede
	v1, v2, v3, v4 := lockRequest("1.0.0", s, 0), lockRequest("1.1.0", s, time.Hour), lockRequest("1.2.0", s, 2*time.Hour), lockRequest("1.3.0", s, 3*time.Hour)
	old := lockRequest("0.9.0", s, -time.Hour)
	h.at(time.Minute, contracts.SignalArrive, v1)
	h.at(2*time.Minute, contracts.SignalArrive, v2) // v1 waits at its gates: superseded
	h.at(3*time.Minute, contracts.SignalAcquire, v2)
	h.at(4*time.Minute, contracts.SignalArrive, v3)
	h.at(5*time.Minute, contracts.SignalAcquire, v3) // queued behind the holder v2
	h.at(6*time.Minute, contracts.SignalArrive, v4)  // v3 is queued: superseded
	mid := h.queryAt(t, 7*time.Minute)
	h.at(8*time.Minute, contracts.SignalRelease, lockRelease("1.1.0", EnvDeployed))
	h.at(9*time.Minute, contracts.SignalAcquire, v4)
	h.at(10*time.Minute, contracts.SignalRelease, lockRelease("1.3.0", EnvDeployed))
	h.at(11*time.Minute, contracts.SignalArrive, old) // older than what is deployed
	final := h.queryAt(t, 12*time.Minute)
	require.Error(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour))

	require.Equal(t, pipeline.PolicySupersede, mid.Policy)
	require.Equal(t, "1.1.0", mid.Holder.Version, "the holder is never superseded")
	require.Equal(t, []string{"1.3.0"}, versions(mid.Arrived))
	require.Empty(t, mid.Queue)

	require.Nil(t, final.Holder)
	require.Empty(t, final.Arrived)
	require.Equal(t, "1.3.0", final.Current)
	require.Equal(t, []string{
		"1.0.0 superseded 1.1.0",
		"1.1.0 lock-granted ",
		"1.2.0 superseded 1.3.0",
		"1.3.0 lock-granted 1.1.0",
		"0.9.0 superseded 1.3.0",
	}, h.sent)
}

func TestEnvironmentFIFODoesNotSupersede(t *testing.T) {
	h := newEnvHarness(t)
	h.at(time.Minute, contracts.SignalArrive, lockRequest("1.0.0", pipeline.PolicyFIFO, 0), lockRequest("1.1.0", pipeline.PolicyFIFO, time.Hour))
	final := h.queryAt(t, 2*time.Minute)
	require.Error(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour))
	require.Equal(t, []string{"1.0.0", "1.1.0"}, versions(final.Arrived))
	require.Empty(t, h.sent)
}

func TestEnvironmentContinuesAsNewWithItsQueue(t *testing.T) {
	h := newEnvHarness(t)
	a, b, c, d := lockRequest("1.0.0", "", 0), lockRequest("1.1.0", "", time.Hour), lockRequest("1.2.0", "", 2*time.Hour), lockRequest("1.3.0", "", 3*time.Hour)
	h.at(time.Minute, contracts.SignalAcquire, a, b, c)
	flood := make([]any, EnvironmentSignalsPerRun)
	for i := range flood {
		flood[i] = d // a redelivered arrival changes nothing
	}
	h.at(2*time.Minute, contracts.SignalArrive, flood...)
	err := h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour)

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can), "want continue-as-new, got %v", err)
	require.Equal(t, EnvironmentWorkflowName, can.WorkflowType.Name)
	var next EnvironmentInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.State)
	require.Equal(t, "prod", next.Environment)
	require.Equal(t, "1.0.0", next.State.Holder.Version)
	require.Equal(t, []string{"1.1.0", "1.2.0"}, versions(next.State.Queue))
	require.Equal(t, []string{"1.3.0"}, versions(next.State.Arrived))

	// The next run goes on from there.
	h2 := newEnvHarness(t)
	h2.at(time.Minute, contracts.SignalRelease, lockRelease("1.0.0", EnvDeployed))
	final := h2.queryAt(t, 2*time.Minute)
	require.Error(t, h2.run(next, time.Hour))
	require.Equal(t, []string{"1.1.0 lock-granted 1.0.0"}, h2.sent)
	require.Equal(t, "1.1.0", final.Holder.Version)
	require.Equal(t, []string{"1.2.0"}, versions(final.Queue))
}

func TestEnvironmentRemembersRecentResultsOnce(t *testing.T) {
	h := newEnvHarness(t)
	s := pipeline.PolicySupersede
	h.at(time.Minute, contracts.SignalArrive, lockRequest("1.0.0", s, 0), lockRequest("1.1.0", s, time.Hour))
	// The superseded promotion leaves, as promotions do.
	h.at(2*time.Minute, contracts.SignalLeave, lockRelease("1.0.0", EnvSuperseded))
	h.at(3*time.Minute, contracts.SignalLeave, lockRelease("1.1.0", EnvRejected))
	final := h.queryAt(t, 4*time.Minute)
	require.Error(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour))
	require.Equal(t, []string{"1.0.0 superseded", "1.1.0 rejected"}, final.Recent)
	require.Empty(t, final.Arrived)
}

func TestEnvironmentSignalsTheRunOfARequestOnlyWhenItIsValid(t *testing.T) {
	require.Equal(t, "2f7a2c36-4b1e-4a4c-9a55-0f5d7e0c2b11", runOf(contracts.LockRequest{RunID: "2f7a2c36-4b1e-4a4c-9a55-0f5d7e0c2b11"}))
	require.Empty(t, runOf(contracts.LockRequest{RunID: "run-1"}), "Temporal would refuse the signal command")
	require.Empty(t, runOf(contracts.LockRequest{}))
}

// acquireAt sends req as an UpdateAcquire after a delay (workflow time) and
// keeps its answer (or error) in the returned record. Each call is an update
// of its own ID, so that the handler runs (the test environment answers a
// repeated ID from its cache, as the server does within one run; a request
// repeated after a continue-as-new runs the handler again).
func (h *envHarness) acquireAt(t *testing.T, after time.Duration, req contracts.LockRequest) *updateAnswer {
	ans := &updateAnswer{}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(contracts.UpdateAcquire, fmt.Sprintf("%s/%s@%s", req.PromotionID, req.RunID, after), &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { ans.err = err },
			OnComplete: func(v any, err error) {
				if err != nil {
					ans.err = err
					return
				}
				ans.LockAnswer = v.(contracts.LockAnswer)
			},
		}, req)
	}, after)
	return ans
}

type updateAnswer struct {
	contracts.LockAnswer
	err error
}

func TestEnvironmentAnswersAnAcquireUpdateAtOnce(t *testing.T) {
	h := newEnvHarness(t)
	a, b := lockRequest("1.0.0", "", 0), lockRequest("1.1.0", "", time.Hour)
	h.at(time.Minute, contracts.SignalArrive, a, b)
	first := h.acquireAt(t, 2*time.Minute, a)
	second := h.acquireAt(t, 3*time.Minute, b)
	again := h.acquireAt(t, 4*time.Minute, a) // a retried update: the same answer
	held := h.queryAt(t, 5*time.Minute)
	h.at(10*time.Minute, contracts.SignalRelease, lockRelease("1.0.0", EnvDeployed))
	final := h.queryAt(t, 11*time.Minute)
	bad := h.acquireAt(t, 12*time.Minute, contracts.LockRequest{Version: "2.0.0"})
	require.Error(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour))

	require.NoError(t, first.err)
	require.Equal(t, contracts.LockAnswer{Grant: &contracts.LockGrant{Environment: "prod"}}, first.LockAnswer)
	require.NoError(t, second.err)
	require.Equal(t, contracts.LockAnswer{Queued: true}, second.LockAnswer, "the lock is held: b waits")
	require.Equal(t, first.LockAnswer, again.LockAnswer)
	require.Equal(t, "1.0.0", held.Holder.Version)
	require.Equal(t, []string{"1.1.0"}, versions(held.Queue))
	require.Empty(t, held.Arrived)
	// The queued one is granted by signal when the holder releases, as before.
	require.Equal(t, "1.1.0", final.Holder.Version)
	require.Equal(t, []string{"1.0.0 lock-granted ", "1.1.0 lock-granted 1.0.0"}, h.sent,
		"a grant answered by the update is confirmed by signal too")
	require.ErrorContains(t, bad.err, "a lock request names its promotion")
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, bad.err, &appErr)
	require.Equal(t, contracts.ErrTypeBadLockRequest, appErr.Type(), "the activity fails for good on this type only")
}

func TestEnvironmentAnswersAnOutdatedAcquireUpdateSuperseded(t *testing.T) {
	h := newEnvHarness(t)
	s := pipeline.PolicySupersede
	v1, v2, v3 := lockRequest("1.0.0", s, 0), lockRequest("1.1.0", s, time.Hour), lockRequest("1.2.0", s, 2*time.Hour)
	h.at(time.Minute, contracts.SignalArrive, v1)
	holder := h.acquireAt(t, 2*time.Minute, v1)
	h.at(3*time.Minute, contracts.SignalArrive, v2)
	queued := h.acquireAt(t, 4*time.Minute, v2)
	newer := h.acquireAt(t, 5*time.Minute, v3) // supersedes v2, waiting in the queue
	h.at(6*time.Minute, contracts.SignalRelease, lockRelease("1.0.0", EnvDeployed))
	h.at(7*time.Minute, contracts.SignalRelease, lockRelease("1.2.0", EnvDeployed))
	v2again := v2
	v2again.RunID = "run-1.1.0-again"              // another run of v2's promotion (an update ID is answered once)
	late := h.acquireAt(t, 8*time.Minute, v2again) // older than what is deployed now
	final := h.queryAt(t, 9*time.Minute)
	require.Error(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour))

	require.NotNil(t, holder.Grant)
	require.True(t, queued.Queued)
	require.True(t, newer.Queued, "behind the holder")
	require.Equal(t, &contracts.Superseded{Environment: "prod", By: "1.2.0"}, late.Superseded)
	require.Equal(t, []string{"1.0.0 lock-granted ", "1.1.0 superseded 1.2.0", "1.2.0 lock-granted 1.0.0"}, h.sent)
	require.Nil(t, final.Holder)
	require.Equal(t, "1.2.0", final.Current)
}

// A workflow task that timed out hands the Environment a promotion's
// arrival and its acquire together: the arrival is handled first, and the
// queued promotion stays in the queue (chaos found it moved back among the
// arrived, never to be granted).
func TestEnvironmentHandlesAnArrivalDeliveredWithItsAcquireFirst(t *testing.T) {
	h := newEnvHarness(t)
	a, b := lockRequest("1.0.0", "", 0), lockRequest("1.1.0", "", time.Hour)
	h.acquireAt(t, time.Minute, a)
	var ans updateAnswer
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(contracts.SignalArrive, b)
		h.env.UpdateWorkflow(contracts.UpdateAcquire, "b", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { ans.err = err },
			OnComplete: func(v any, err error) { ans.err = err; ans.LockAnswer, _ = v.(contracts.LockAnswer) },
		}, b)
		h.env.SignalWorkflow(contracts.SignalArrive, b) // and a redelivered arrival
	}, 2*time.Minute)
	queued := h.queryAt(t, 3*time.Minute)
	h.at(4*time.Minute, contracts.SignalRelease, lockRelease("1.0.0", EnvDeployed))
	require.Error(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour))
	require.NoError(t, ans.err)
	require.True(t, ans.Queued)
	require.Equal(t, []string{"1.1.0"}, versions(queued.Queue))
	require.Empty(t, queued.Arrived)
	require.Equal(t, []string{"1.0.0 lock-granted ", "1.1.0 lock-granted 1.0.0"}, h.sent)
}

// An acquire update that lands after its promotion ended (an update retried
// while an operator terminated the promotion) takes a free lock for no one
// alive: the grant's confirming signal finds no run, and the lock is free
// again for the next promotion.
func TestEnvironmentHandsOnALockTakenByAnEndedPromotion(t *testing.T) {
	h := newEnvHarness(t)
	a, b := lockRequest("1.0.0", "", 0), lockRequest("1.1.0", "", time.Hour)
	h.gone["1.0.0"] = true
	taken := h.acquireAt(t, 30*time.Second, a)
	h.at(time.Minute, contracts.SignalAcquire, b)
	final := h.queryAt(t, 2*time.Minute)
	require.Error(t, h.run(EnvironmentInput{Project: "demo", Environment: "prod"}, time.Hour))
	require.NotNil(t, taken.Grant, "the update answers the grant")
	require.Equal(t, "1.1.0", final.Holder.Version, "the lock is not held by the ended promotion")
	require.Equal(t, []string{"1.0.0 lost"}, final.Recent)
	require.Equal(t, []string{"1.0.0 lock-granted ", "1.1.0 lock-granted "}, h.sent)
}
