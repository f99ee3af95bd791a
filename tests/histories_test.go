package tests

import (
	"context"
	"os"
	"path/filepath"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/drover-ci/drover/internal/devserver"
)

// history is a run's events.
func (h *harness) history(id, runID string) []*historypb.HistoryEvent {
	iter := h.client.GetWorkflowHistory(context.Background(), id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(h.t, err)
		events = append(events, ev)
	}
	return events
}

// recordHistory saves a finished run's history under workflows/testdata/histories
// when DROVER_RECORD_HISTORIES=1, for the replay tests that keep later
// workflow changes compatible with runs in flight.
func (h *harness) recordHistory(id, runID, name string) {
	if os.Getenv("DROVER_RECORD_HISTORIES") != "1" {
		return
	}
	t := h.t
	hist := historypb.History{Events: h.history(id, runID)}
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&hist)
	require.NoError(t, err)
	path := filepath.Join(devserver.RepoRoot(), "workflows", "testdata", "histories", name+".json")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
	t.Logf("recorded %s (%d events)", path, len(hist.Events))
}
