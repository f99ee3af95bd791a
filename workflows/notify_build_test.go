package workflows

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
)

// TestFillOutcomeListsTasksThatRanAndCapsAnnotations: a build's
// BUILD_COMPLETE names each task that ran (not the skipped ones) with its
// warnings and errors, at most contracts.MaxEventAnnotations of each.
func TestFillOutcomeListsTasksThatRanAndCapsAnnotations(t *testing.T) {
	many := make([]string, 80)
	for i := range many {
		many[i] = fmt.Sprintf("w%d", i)
	}
	b := &buildRun{state: BuildState{Stages: []StageState{
		{Name: "convert", Tasks: []TaskState{
			{Name: "a", Status: TaskSucceeded, Attempt: 1, Warnings: many},
			{Name: "b", Status: TaskFailed, Attempt: 2, Warnings: many, Errors: []string{"broken.md: unclosed code fence"}},
		}},
		{Name: "package", Status: StageSkipped, Tasks: []TaskState{{Name: "tarball", Status: TaskSkipped}}},
	}}}
	var ev contracts.NotifyEvent
	b.fillOutcome(&ev)
	require.Equal(t, []contracts.NotifyTask{
		{Stage: "convert", Task: "a", Status: "succeeded", Attempt: 1, Warnings: 80},
		{Stage: "convert", Task: "b", Status: "failed", Attempt: 2, Warnings: 80, Errors: 1},
	}, ev.Tasks)
	require.Len(t, ev.Warnings, contracts.MaxEventAnnotations)
	require.Equal(t, "convert/a: w0", ev.Warnings[0])
	require.Equal(t, "convert/b: w19", ev.Warnings[contracts.MaxEventAnnotations-1])
	require.Equal(t, []string{"convert/b: broken.md: unclosed code fence"}, ev.Errors)
}
