package workflows

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
)

// fakeFreezes is the CheckFreeze activity over a map of frozen environments.
type fakeFreezes struct {
	mu     sync.Mutex
	frozen map[string]contracts.FreezeStatus
	checks int
}

func (f *fakeFreezes) CheckFreeze(_ context.Context, in contracts.FreezeCheckInput) (contracts.FreezeStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks++
	return f.frozen[in.Environment], nil
}

func (f *fakeFreezes) set(env string, st contracts.FreezeStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st.Frozen {
		f.frozen[env] = st
	} else {
		delete(f.frozen, env)
	}
}

// A promotion waits at a frozen environment, after its gates and before
// its lock, saying why; it goes on when the freeze lifts.
func TestPromotionWaitsWhileAnEnvironmentIsFrozen(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.freezes.set("prod", contracts.FreezeStatus{Frozen: true, Reason: "holiday freeze", By: "erin"})
	during := pe.queryAt(t, 10*time.Minute)
	pe.env.RegisterDelayedCallback(func() { pe.freezes.set("prod", contracts.FreezeStatus{}) }, 30*time.Minute)

	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod")))
	require.NoError(t, err)
	require.Equal(t, EnvFrozen, envOf(*during, "prod").State)
	require.Equal(t, "frozen: holiday freeze (by erin)", envOf(*during, "prod").Detail)
	require.Equal(t, EnvDeployed, envOf(*during, "dev").State, "dev is not frozen")

	require.Equal(t, PromotionCompleted, state.Status)
	require.Equal(t, map[string]string{"dev": EnvDeployed, "prod": EnvDeployed}, envStates(state))
	require.True(t, hasEvent(state, EventFrozen, "prod"))
	require.True(t, hasEvent(state, EventFreezeLifted, "prod"))
	require.Equal(t, []string{"dev acquire", "dev release deployed", "prod acquire", "prod release deployed"}, pe.locks.sent(),
		"a frozen environment's lock is not asked for while frozen")
	require.Empty(t, envOf(state, "prod").Detail)
	// About one check per FreezePoll while frozen, not a busy loop.
	require.LessOrEqual(t, pe.freezes.checks, 2+int(30*time.Minute/FreezePoll)+2)
}

// A freeze with an end lifts by itself; a promotion cancelled while it
// waits ends cancelled.
func TestFreezeWithAnEndAndCancellation(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	until := promotionStart.Add(5 * time.Minute)
	pe.freezes.set("prod", contracts.FreezeStatus{Frozen: true, Reason: "release train", Until: &until})
	pe.env.RegisterDelayedCallback(func() { pe.freezes.set("prod", contracts.FreezeStatus{}) }, 5*time.Minute)
	state, err := pe.run(t, promotionInput(environment("prod")))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)

	pe = newPromotionEnv(t, nil)
	pe.freezes.set("prod", contracts.FreezeStatus{Frozen: true, Reason: "incident"})
	pe.env.RegisterDelayedCallback(func() { pe.env.CancelWorkflow() }, time.Hour)
	state, _ = pe.run(t, promotionInput(environment("prod")))
	require.Equal(t, EnvCancelled, envOf(state, "prod").State)
}

// envOf is environment name of s.
func envOf(s PromotionState, name string) EnvironmentState {
	for _, e := range s.Environments {
		if e.Name == name {
			return e
		}
	}
	return EnvironmentState{}
}

// A version registered through the API (no build of Drover's) is announced
// ARTIFACT_AVAILABLE by its first promotion, not by a redeploy; a version
// Drover built was announced by its build.
func TestArtifactAvailableForVersionsRegisteredThroughTheAPI(t *testing.T) {
	for _, tc := range []struct {
		name     string
		buildID  string
		kind     string
		announce bool
	}{
		{"registered through the API", "", "", true},
		{"built by Drover", "build/demo/0123456789abcdef", "", false},
		{"a redeploy", "", contracts.KindRedeploy, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pe := newPromotionEnv(t, nil)
			in := promotionInput(environment("dev"))
			in.BuildID, in.Kind, in.RequestID = tc.buildID, tc.kind, "r1"
			state, err := pe.run(t, in)
			require.NoError(t, err)
			require.Equal(t, tc.announce, hasEvent(state, EventArtifactAvailable, ""))
		})
	}
}

// A freeze-lifted signal makes a waiting promotion ask again at once, not at
// its next poll; a signal while the freeze still holds changes nothing.
func TestFreezeLiftedSignalAsksAgainAtOnce(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	pe.freezes.set("prod", contracts.FreezeStatus{Frozen: true, Reason: "holiday"})
	pe.signalAsIs(30*time.Second, contracts.SignalFreezeLifted, "prod") // still frozen: it asks, and waits on
	pe.env.RegisterDelayedCallback(func() { pe.freezes.set("prod", contracts.FreezeStatus{}) }, 40*time.Second)
	pe.signalAsIs(50*time.Second, contracts.SignalFreezeLifted, "prod")
	state, err := pe.run(t, promotionInput(environment("prod")))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)
	var lifted time.Time
	for _, e := range state.Events {
		if e.Type == EventFreezeLifted {
			lifted = e.Time
		}
	}
	require.Equal(t, promotionStart.Add(50*time.Second), lifted, "at the signal, not at the next poll (2m)")
	require.Equal(t, 3, pe.freezes.checks, "at the start and at each signal")
}

// A promotion started since promotion-changes checks the freeze as a local
// activity (in the workflow task that passed its gates); one recorded before
// it runs the CheckFreeze activity, as it did.
func TestFreezeCheckIsLocalSincePromotionChanges(t *testing.T) {
	for _, current := range []bool{true, false} {
		pe := newPromotionEnv(t, nil)
		var mu sync.Mutex
		var local, remote int
		pe.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
			mu.Lock()
			defer mu.Unlock()
			if info.ActivityType.Name == activityCheckFreeze {
				local++
			}
		})
		pe.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
			mu.Lock()
			defer mu.Unlock()
			if info.ActivityType.Name == activityCheckFreeze {
				remote++
			}
		})
		if !current {
			pe.env.OnGetVersion(promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion).Return(workflow.DefaultVersion)
		}
		pe.update(time.Hour, DecideUpdate, approve("prod", "alice"))
		state, err := pe.run(t, promotionInput(environment("dev"), environment("prod", withApproval(1, "alice"))))
		require.NoError(t, err)
		require.Equal(t, PromotionCompleted, state.Status)
		if current {
			require.Equal(t, [2]int{2, 0}, [2]int{local, remote}, "local, remote checks of a new promotion")
		} else {
			require.Equal(t, [2]int{0, 2}, [2]int{local, remote}, "local, remote checks of an old promotion")
		}
		require.Equal(t, 2, pe.freezes.checks)
	}
}
