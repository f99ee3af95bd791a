package workflows

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// replayIDs are the workflow IDs of recorded histories whose replay depends
// on the ID: a promotion with signed decisions checks that each was signed
// for it (the replayer calls every other run "ReplayId"). The run ID comes
// from the history.
var replayIDs = map[string]string{
	"promotion-completed-promotion-changes-1.json": "promote/promo-demo/882b683e886d",
	"promotion-completed-promotion-changes-2.json": "promote/promo-demo/98eab02730fe",
	"promotion-completed-promotion-changes-3.json": "promote/promo-demo/eebac70e742c",
}

// TestReplayRecordedHistories replays every recorded history (made by the
// integration tests with DROVER_RECORD_HISTORIES=1) against today's workflow
// code: a change that would break runs in flight fails here. Such a change
// must go behind workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in testdata/histories")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(Build, workflow.RegisterOptions{Name: BuildWorkflowName})
			r.RegisterWorkflowWithOptions(Promotion, workflow.RegisterOptions{Name: PromotionWorkflowName})
			r.RegisterWorkflowWithOptions(Environment, workflow.RegisterOptions{Name: EnvironmentWorkflowName})
			id, ok := replayIDs[filepath.Base(f)]
			if !ok {
				require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
				return
			}
			file, err := os.Open(f)
			require.NoError(t, err)
			defer file.Close()
			hist, err := client.HistoryFromJSON(file, client.HistoryJSONOptions{})
			require.NoError(t, err)
			require.NoError(t, r.ReplayWorkflowHistoryWithOptions(nil, hist,
				worker.ReplayWorkflowHistoryOptions{OriginalExecution: workflow.Execution{ID: id}}))
		})
	}
}
