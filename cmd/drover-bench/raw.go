package main

import (
	"context"
	"time"

	"go.temporal.io/sdk/workflow"
)

const rawTaskQueue = "bench-raw"

// RawPipeline is the baseline: stages of parallel no-op activities and nothing else.
func RawPipeline(ctx workflow.Context, stages, tasks int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	for range stages {
		futures := make([]workflow.Future, tasks)
		for t := range futures {
			futures[t] = workflow.ExecuteActivity(ctx, NoOp)
		}
		for _, f := range futures {
			if err := f.Get(ctx, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// NoOp is the baseline's task.
func NoOp(context.Context) error { return nil }
