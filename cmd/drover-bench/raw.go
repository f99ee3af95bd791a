package main

import (
	"context"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

const rawTaskQueue = "bench-raw"

// RawPipeline is a floor: stages of parallel activities and nothing else.
// With process set each activity is ProcessTask, otherwise NoOp. The
// activities take the timeouts of a Drover task (heartbeat and start to
// close), so that Temporal keeps the same timers for them, firing at the
// same times: a floor with another timeout would have its timers' work
// fall into other scenarios' measurements, or none.
func RawPipeline(ctx workflow.Context, stages, tasks int, process bool) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: pipeline.DefaultTaskTimeout + 10*time.Minute,
		HeartbeatTimeout:    workflows.DefaultLostHeartbeatTimeout,
	})
	var act any = NoOp
	if process {
		act = ProcessTask
	}
	for range stages {
		futures := make([]workflow.Future, tasks)
		for t := range futures {
			futures[t] = workflow.ExecuteActivity(ctx, act)
		}
		for _, f := range futures {
			if err := f.Get(ctx, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// NoOp is the no-op floor's task.
func NoOp(context.Context) error { return nil }

// ProcessTask is the process floor's task: `bash -c true` in its own process
// group, as a Drover task's script runs, and nothing else (no workspace, no
// log, no sandbox).
func ProcessTask(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "bash", "-c", "true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bash -c true: %w", err)
	}
	return nil
}
