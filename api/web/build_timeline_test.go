package web

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

func TestTimelinePlacesTasksAlongTheBuild(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	at := func(s int) *time.Time { v := start.Add(time.Duration(s) * time.Second); return &v }
	end := at(100)
	st := workflows.BuildState{ID: "b", StartedAt: start, FinishedAt: end, Stages: []workflows.StageState{{Name: "s", Tasks: []workflows.TaskState{
		{Name: "first", StartedAt: at(0), FinishedAt: at(25)},
		{Name: "second", StartedAt: at(50), FinishedAt: at(100), Attempt: 2},
		{Name: "waiting"},
	}}}}
	v := (&Pages{opts: Options{TemporalWebURL: DefaultTemporalWebURL}}).buildView(st)
	tasks := v.Stages[0].Tasks
	require.Equal(t, TimelineBar{Left: 0, Width: 25}, tasks[0].Bar)
	require.Equal(t, TimelineBar{Left: 50, Width: 50}, tasks[1].Bar)
	require.Equal(t, TimelineBar{}, tasks[2].Bar, "a task that has not started has no bar")
	require.NotEmpty(t, v.Ticks)
	require.Equal(t, "0", v.Ticks[0].Label)
}

func TestApprovalsListApprovesThroughTheDecideForm(t *testing.T) {
	h := newHarness(t, "")
	c := h.client()
	h.signIn(c, "bob-token")
	status, body := h.get(c, "/approvals")
	require.Equal(t, 200, status)
	require.Contains(t, body, `action="/ui/promotions/promote%2Fdemo%2F1.0.0/decide"`)
	require.Contains(t, body, `name="decision" value="approve"`)
	require.Regexp(t, `name="csrf" value="[^"]+"`, body)
}

func TestBuildViewSaysWhichTemplateEachStageAndTaskCameFrom(t *testing.T) {
	stageFrom, taskFrom := "devops@3f2a1b2c9d0e:ci.yaml#test", "ci/local.yaml#lint"
	st := workflows.BuildState{ID: "b", Stages: []workflows.StageState{
		{Name: "test", From: stageFrom, Tasks: []workflows.TaskState{{Name: "unit", From: stageFrom}}},
		{Name: "ship", Tasks: []workflows.TaskState{{Name: "lint", From: taskFrom}, {Name: "own"}}},
	}}
	v := (&Pages{opts: Options{TemporalWebURL: DefaultTemporalWebURL}}).buildView(st)
	require.Equal(t, stageFrom, v.Stages[0].From)
	require.Empty(t, v.Stages[0].Tasks[0].From, "a task of a stage template is shown under its stage's origin")
	require.Empty(t, v.Stages[1].From)
	require.Equal(t, taskFrom, v.Stages[1].Tasks[0].From)
	require.Empty(t, v.Stages[1].Tasks[1].From)
}
