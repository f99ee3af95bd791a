package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// Outcomes a fakeTasks runner plays for one attempt of a task.
const (
	outcomeOK    = "ok"    // succeed at once
	outcomeFail  = "fail"  // the script exits 1
	outcomeInfra = "infra" // a retryable infrastructure error
	outcomeBlock = "block" // run until cancelled, heartbeating
	outcomeGate  = "gate"  // wait until every task of the stage is running, then succeed
)

// fakeTasks is a hand-written RunTask that plays scripted outcomes per task
// attempt ("stage/task" → outcomes in order; the last one repeats).
type fakeTasks struct {
	mu       sync.Mutex
	script   map[string][]string
	calls    map[string]int
	inputs   map[string]contracts.RunTaskInput // the last input of each task
	running  map[string]int                    // per stage, attempts running now
	started  chan string                       // "stage/task" each time an attempt starts
	gateSize int
	gateMu   sync.Mutex
	gateCond *sync.Cond
	gateIn   map[string]int
}

func newFakeTasks(script map[string][]string) *fakeTasks {
	f := &fakeTasks{script: script, calls: map[string]int{}, inputs: map[string]contracts.RunTaskInput{}, running: map[string]int{},
		started: make(chan string, 100), gateIn: map[string]int{}}
	f.gateCond = sync.NewCond(&f.gateMu)
	return f
}

func (f *fakeTasks) RunTask(ctx context.Context, in contracts.RunTaskInput) (contracts.RunTaskResult, error) {
	key := in.Task.Stage + "/" + in.Task.Name
	f.mu.Lock()
	n := f.calls[key]
	f.calls[key]++
	f.inputs[key] = in
	outcomes := f.script[key]
	f.mu.Unlock()
	outcome := outcomeOK
	if len(outcomes) > 0 {
		outcome = outcomes[min(n, len(outcomes)-1)]
	}
	f.started <- key
	attempt := in.PriorAttempts + int(activity.GetInfo(ctx).Attempt)
	res := contracts.RunTaskResult{Attempt: attempt, StartedAt: time.Now(), FinishedAt: time.Now(),
		LogKey: "logs/" + key, OutputTail: "output of " + key}
	for i, st := range in.Task.Steps { // a failed attempt fails in its last step
		status := contracts.TaskSucceeded
		if outcome == outcomeFail && i == len(in.Task.Steps)-1 {
			status = contracts.TaskFailed
		}
		res.Steps = append(res.Steps, contracts.TaskStepState{Name: st.Name, Status: status})
	}
	switch outcome {
	case outcomeFail:
		res.ExitCode = 1
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("task %s exited with code 1", key), contracts.ErrTypeTaskFailed, nil, res)
	case outcomeInfra:
		return contracts.RunTaskResult{}, errors.New("checkout failed: connection reset")
	case outcomeBlock:
		for {
			activity.RecordHeartbeat(ctx)
			select {
			case <-ctx.Done():
				return contracts.RunTaskResult{}, ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
	case outcomeGate:
		if err := f.waitForStage(ctx, in.Task.Stage); err != nil {
			return res, err
		}
	}
	res.Artifacts = []contracts.ArtifactRef{{Name: in.Task.Name + ".tgz", Path: "dist/x.tgz", Key: "artifacts/" + key, SHA256: "abc", Size: 3}}
	return res, nil
}

// waitForStage blocks until gateSize attempts of the stage are inside it at
// once, which can only happen when they run in parallel.
func (f *fakeTasks) waitForStage(ctx context.Context, stage string) error {
	f.gateMu.Lock()
	defer f.gateMu.Unlock()
	f.gateIn[stage]++
	f.gateCond.Broadcast()
	deadline := time.Now().Add(5 * time.Second)
	for f.gateIn[stage] < f.gateSize {
		if time.Now().After(deadline) {
			return temporal.NewNonRetryableApplicationError("tasks of stage "+stage+" did not run in parallel", "NotParallel", nil)
		}
		go func() { time.Sleep(10 * time.Millisecond); f.gateCond.Broadcast() }()
		f.gateCond.Wait()
	}
	return nil
}

func (f *fakeTasks) callCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

// fakeLedger records what builds write to the ledger.
type fakeLedger struct {
	mu       sync.Mutex
	started  []ledger.Build
	finished []activities.RecordBuildFinishedInput
	// down fails that many writes of a started build first (an unreachable ledger).
	down int
}

func (l *fakeLedger) RecordBuildStarted(_ context.Context, b ledger.Build) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down > 0 {
		l.down--
		return errors.New("dial tcp 10.0.0.9:5432: connect: connection refused")
	}
	l.started = append(l.started, b)
	return nil
}

func (l *fakeLedger) RecordBuildFinished(_ context.Context, in activities.RecordBuildFinishedInput) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.finished = append(l.finished, in)
	return nil
}
