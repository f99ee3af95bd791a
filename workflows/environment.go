package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// Environment serialises the deploys to one environment of a project: at most
// one promotion holds its lock, the others wait in a FIFO queue. Under the
// supersede policy a newer version replaces older ones still waiting, which
// are told so with SignalSuperseded. It never ends on its own: idle, it waits
// for the next signal, and it continues as new to keep its history small.
func Environment(ctx workflow.Context, in EnvironmentInput) error {
	e := &environmentLock{state: EnvironmentLockState{
		Project: in.Project, Environment: in.Environment, Policy: pipeline.PolicyFIFO,
	}}
	if in.State != nil {
		e.state = *in.State
	}
	if err := workflow.SetQueryHandler(ctx, EnvironmentStateQuery, func() (EnvironmentLockState, error) {
		return e.state, nil
	}); err != nil {
		return fmt.Errorf("set query handler: %w", err)
	}
	receivers := e.receivers(ctx)
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contracts.UpdateAcquire,
		func(ctx workflow.Context, req contracts.LockRequest) (contracts.LockAnswer, error) {
			// Signals delivered with the update (a workflow task that
			// timed out carries both) came first: the promotion's arrival
			// must not be handled after its acquire, which it would undo.
			drain(ctx, receivers)
			return e.acquireNow(ctx, req), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req contracts.LockRequest) error {
			if req.PromotionID == "" {
				return temporal.NewNonRetryableApplicationError("a lock request names its promotion", contracts.ErrTypeBadLockRequest, nil)
			}
			return nil
		}},
	); err != nil {
		return fmt.Errorf("set update handler: %w", err)
	}
	// A continued run may hold a free lock and a queue: grant it first.
	e.grantNext(ctx)

	cancelled := false
	sel := workflow.NewSelector(ctx)
	for _, receive := range receivers {
		sel.AddReceive(receive.ch, func(workflow.ReceiveChannel, bool) { receive.one(ctx) })
	}
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { cancelled = true })

	for handled := 1; ; handled++ {
		sel.Select(ctx)
		if cancelled {
			return ctx.Err()
		}
		if handled < EnvironmentSignalsPerRun && !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			continue
		}
		// Handle every signal already delivered, so none is lost, and let
		// every acquire update end (it may be signalling a grant or a
		// supersession), then carry the state over to a new run. Runs
		// without updates pass the waits at once, as they did before them.
		for {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			if !drain(ctx, receivers) && workflow.AllHandlersFinished(ctx) {
				break
			}
		}
		state := e.state
		workflow.GetLogger(ctx).Info("Environment continues as new", "signals", handled)
		return workflow.NewContinueAsNewError(ctx, EnvironmentWorkflowName,
			EnvironmentInput{Project: state.Project, Environment: state.Environment, State: &state})
	}
}

// drain handles every signal already delivered to receivers, and reports
// whether there was one.
func drain(ctx workflow.Context, receivers []lockReceiver) bool {
	drained := false
	for more := true; more; {
		more = false
		for _, receive := range receivers {
			for receive.one(ctx) {
				more, drained = true, true
			}
		}
	}
	return drained
}

// lockReceiver is one of the Environment workflow's signal channels; one
// takes a pending signal from it without blocking, handles it and reports
// whether there was one.
type lockReceiver struct {
	ch  workflow.ReceiveChannel
	one func(ctx workflow.Context) bool
}

func (e *environmentLock) receivers(ctx workflow.Context) []lockReceiver {
	onRequest := func(name string, handle func(workflow.Context, contracts.LockRequest)) lockReceiver {
		ch := workflow.GetSignalChannel(ctx, name)
		return lockReceiver{ch: ch, one: func(ctx workflow.Context) bool {
			var req contracts.LockRequest
			if !ch.ReceiveAsync(&req) {
				return false
			}
			handle(ctx, req)
			e.grantNext(ctx)
			return true
		}}
	}
	onRelease := func(name string) lockReceiver {
		ch := workflow.GetSignalChannel(ctx, name)
		return lockReceiver{ch: ch, one: func(ctx workflow.Context) bool {
			var rel contracts.LockRelease
			if !ch.ReceiveAsync(&rel) {
				return false
			}
			e.release(rel)
			e.grantNext(ctx)
			return true
		}}
	}
	return []lockReceiver{
		onRequest(contracts.SignalArrive, e.arrive),
		onRequest(contracts.SignalAcquire, e.acquire),
		onRelease(contracts.SignalRelease),
		onRelease(contracts.SignalLeave),
	}
}
