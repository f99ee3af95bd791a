package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
)

// explain prints the event timeline of one run, relative to its start, to
// show where a build spends its time.
func (e *benchEnv) explain(ctx context.Context, id, runID string) error {
	iter := e.client.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var t0 time.Time
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return err
		}
		at := ev.GetEventTime().AsTime()
		if t0.IsZero() {
			t0 = at
		}
		fmt.Printf("%8.1fms  %s\n", float64(at.Sub(t0).Microseconds())/1000, ev.GetEventType())
	}
	return nil
}
