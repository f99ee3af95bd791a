package worker

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/drover-ci/drover/activities"
)

// SignalNotifier tells a build that a task is running by signalling its workflow.
type SignalNotifier struct {
	Client client.Client
}

// TaskStarted sends the TaskStartedSignal to the build's run.
func (n SignalNotifier) TaskStarted(ctx context.Context, buildID, runID string, ev activities.TaskStarted) error {
	if err := n.Client.SignalWorkflow(ctx, buildID, runID, activities.TaskStartedSignal, ev); err != nil {
		return fmt.Errorf("signal task %s/%s started: %w", ev.Stage, ev.Task, err)
	}
	return nil
}
