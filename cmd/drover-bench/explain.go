package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
)

// explain prints the event timeline of one run, relative to its start, to
// show where a build spends its time.
func (e *benchEnv) explain(ctx context.Context, id, runID string) error {
	events, err := e.events(ctx, id, runID)
	if err != nil {
		return err
	}
	t0 := events[0].GetEventTime().AsTime()
	for _, ev := range events {
		fmt.Printf("%8.1fms  %s\n", float64(ev.GetEventTime().AsTime().Sub(t0).Microseconds())/1000, ev.GetEventType())
	}
	return nil
}

// events is a run's history.
func (e *benchEnv) events(ctx context.Context, id, runID string) ([]*historypb.HistoryEvent, error) {
	iter := e.client.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("run %s of %s has no history", runID, id)
	}
	return events, nil
}

// buildPhases are the parts of one 3×5 build's time, from its history (the
// server's clock), and as its client saw it.
type buildPhases struct {
	client     time.Duration // from the start request to the result
	toSchedule time.Duration // start to the first task scheduled
	stages     time.Duration // each stage's first task scheduled to its last task completed, summed
	between    time.Duration // a stage's last task completed to the next stage's first task scheduled, summed
	toEnd      time.Duration // the last task completed to the run completed
	task       time.Duration // the median task's time from its start to its completion
}

// phasesOf splits a run's history into buildPhases (stages of parallel
// activities: an activity scheduled after every earlier one completed
// starts a new stage).
func phasesOf(events []*historypb.HistoryEvent) buildPhases {
	var p buildPhases
	t0 := events[0].GetEventTime().AsTime()
	var lastDone, stageStart time.Time
	open := 0
	started := map[int64]time.Time{} // by scheduled event ID
	var tasks []float64
	for _, ev := range events {
		at := ev.GetEventTime().AsTime()
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if open == 0 {
				if lastDone.IsZero() {
					p.toSchedule = at.Sub(t0)
				} else {
					p.stages += lastDone.Sub(stageStart)
					p.between += at.Sub(lastDone)
				}
				stageStart = at
			}
			open++
		case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			started[ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId()] = at
		case enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if s, ok := started[ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()]; ok {
				tasks = append(tasks, ms(at.Sub(s)))
			}
			open--
			if at.After(lastDone) {
				lastDone = at
			}
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			p.stages += lastDone.Sub(stageStart)
			p.toEnd = at.Sub(lastDone)
		}
	}
	p.task = time.Duration(median(tasks) * float64(time.Millisecond))
	return p
}

// explainPhases runs n builds of the process floor and of Drover in turn at
// concurrency 1, and prints the median of each phase of each.
func (e *benchEnv) explainPhases(ctx context.Context, n int, repo string, commits []string) error {
	type run struct{ id, runID string }
	var seq int
	floor := func() (run, error) {
		seq++
		r, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("raw-explain-%d", seq), TaskQueue: rawTaskQueue,
		}, RawPipeline, 3, 5, true)
		if err != nil {
			return run{}, err
		}
		return run{r.GetID(), r.GetRunID()}, r.Get(ctx, nil)
	}
	drover := func() (run, error) {
		if len(commits) == 0 {
			return run{}, fmt.Errorf("no commit left to build")
		}
		id, runID, err := e.startBuild(ctx, repo, commits[0])
		commits = commits[1:]
		if err != nil {
			return run{}, err
		}
		return run{id, runID}, e.client.GetWorkflow(ctx, id, runID).Get(ctx, nil)
	}
	kinds := []struct {
		name  string
		start func() (run, error)
	}{{scenarioNames[scProcess], floor}, {scenarioNames[scDrover], drover}}
	phases := make([][]buildPhases, len(kinds))
	for range n {
		for k, kind := range kinds {
			t0 := time.Now()
			r, err := kind.start()
			if err != nil {
				return err
			}
			took := time.Since(t0)
			events, err := e.events(ctx, r.id, r.runID)
			if err != nil {
				return err
			}
			p := phasesOf(events)
			p.client = took
			phases[k] = append(phases[k], p)
		}
	}
	fmt.Printf("\nmedians of %d builds each at concurrency 1 (server's clock, but the first column):\n", n)
	fmt.Printf("%-20s %9s %12s %12s %12s %12s %12s\n", "scenario", "client", "to 1st task", "in stages", "between", "to the end", "a task")
	for k, kind := range kinds {
		med := func(f func(buildPhases) time.Duration) string {
			v := make([]float64, len(phases[k]))
			for i, p := range phases[k] {
				v[i] = ms(f(p))
			}
			return fmtMs(median(v))
		}
		fmt.Printf("%-20s %9s %12s %12s %12s %12s %12s\n", kind.name,
			med(func(p buildPhases) time.Duration { return p.client }),
			med(func(p buildPhases) time.Duration { return p.toSchedule }),
			med(func(p buildPhases) time.Duration { return p.stages }),
			med(func(p buildPhases) time.Duration { return p.between }),
			med(func(p buildPhases) time.Duration { return p.toEnd }),
			med(func(p buildPhases) time.Duration { return p.task }))
	}
	return nil
}
