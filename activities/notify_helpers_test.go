package activities_test

import (
	"context"
	"errors"
	"sync"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
)

// fakeDeliveries records delivery attempts in memory.
type fakeDeliveries struct {
	mu  sync.Mutex
	all []ledger.Delivery
}

func (f *fakeDeliveries) RecordDelivery(_ context.Context, d ledger.Delivery) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = append(f.all, d)
	return nil
}

func (f *fakeDeliveries) get() []ledger.Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ledger.Delivery(nil), f.all...)
}

func okCount(ds []ledger.Delivery) int {
	n := 0
	for _, d := range ds {
		if d.OK {
			n++
		}
	}
	return n
}

func sampleEvent(typ string) activities.NotifyEvent {
	return activities.NotifyEvent{
		Type: typ, Kind: "build", WorkflowID: "build/foas/0123456789abcdef", RunID: "run-1", Seq: 3,
		Project: "foas", Repository: "https://github.com/acme/foas.git", Commit: "0123456789abcdef", Branch: "main",
		Status: "succeeded",
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
