package starter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/pipeline"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

func intp(i int) *int { return &i }

func sampleState(status contracts.BuildStatus) contracts.BuildState {
	return contracts.BuildState{
		ID: "build/demo/0123456789abcdef", RunID: "r1", Project: "demo", Branch: "main",
		Commit: "0123456789abcdef0123", Status: status, StartedAt: t0,
		Stages: []contracts.StageState{
			{Name: "verify", Status: "running", Tasks: []contracts.TaskState{
				{Name: "unit", Status: "succeeded", Attempt: 1, StartedAt: at(time.Second), FinishedAt: at(13 * time.Second)},
				{Name: "lint", Status: "building", Attempt: 2, StartedAt: at(60 * time.Second)},
			}},
			{Name: "package", Status: "waiting", Tasks: []contracts.TaskState{{Name: "tarball", Status: "waiting"}}},
		},
	}
}

func TestRenderWatch(t *testing.T) {
	failed := sampleState(contracts.StatusFailed)
	failed.FinishedAt = at(2*time.Hour + 3*time.Minute)
	failed.Stages[0].Tasks[1] = contracts.TaskState{Name: "lint", Status: "failed", Attempt: 3, ExitCode: intp(2),
		StartedAt: at(60 * time.Second), FinishedAt: at(65500 * time.Millisecond)}
	failed.Stages[1].Tasks[0].Status = "cancelled"

	fromTemplate := sampleState(contracts.StatusRunning)
	fromTemplate.Stages[0].Tasks[0].From = "devops@3f2a1b2c9d0e:templates/go.yaml#unit"

	tests := []struct {
		name  string
		state contracts.BuildState
		now   time.Time
		want  string
	}{
		{"running, live elapsed", sampleState(contracts.StatusRunning), t0.Add(65 * time.Second),
			"build/demo/0123456789abcdef  demo main@0123456789ab  running  1m05s\n" +
				"STAGE    TASK     STATUS     ATTEMPT  ELAPSED\n" +
				"verify   unit     succeeded  1        12s\n" +
				"verify   lint     building   2        5.0s\n" +
				"package  tarball  waiting    -        -\n"},
		{"failed, fixed elapsed", failed, t0.Add(100 * time.Hour),
			"build/demo/0123456789abcdef  demo main@0123456789ab  failed  2h03m\n" +
				"STAGE    TASK     STATUS           ATTEMPT  ELAPSED\n" +
				"verify   unit     succeeded        1        12s\n" +
				"verify   lint     failed (exit 2)  3        5.5s\n" +
				"package  tarball  cancelled        -        -\n"},
		{"no stages, no branch", contracts.BuildState{ID: "build/x/abc", Project: "x", Commit: "abc", Status: "running"}, t0,
			"build/x/abc  x abc  running  -\nSTAGE  TASK  STATUS  ATTEMPT  ELAPSED\n"},
		{"tasks of templates", fromTemplate, t0.Add(65 * time.Second),
			"build/demo/0123456789abcdef  demo main@0123456789ab  running  1m05s\n" +
				"STAGE    TASK     STATUS     ATTEMPT  ELAPSED  FROM\n" +
				"verify   unit     succeeded  1        12s      devops@3f2a1b2c9d0e:templates/go.yaml#unit\n" +
				"verify   lint     building   2        5.0s     -\n" +
				"package  tarball  waiting    -        -        -\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, RenderWatch(tt.state, tt.now))
		})
	}
}

func TestChanges(t *testing.T) {
	first := sampleState(contracts.StatusRunning)
	second := sampleState(contracts.StatusRunning)
	second.Stages[0].Tasks[1].Attempt = 3
	last := sampleState(contracts.StatusSucceeded)
	last.FinishedAt = at(90 * time.Second)
	last.Stages[0].Tasks[1] = contracts.TaskState{Name: "lint", Status: "succeeded", Attempt: 3,
		StartedAt: at(60 * time.Second), FinishedAt: at(70 * time.Second)}
	last.Stages[1].Tasks[0] = contracts.TaskState{Name: "tarball", Status: "succeeded", Attempt: 1,
		StartedAt: at(71 * time.Second), FinishedAt: at(80 * time.Second)}
	now := t0.Add(75 * time.Second)

	tests := []struct {
		name      string
		prev, cur *contracts.BuildState
		want      []string
	}{
		{"first state lists everything", nil, &first, []string{
			"build build/demo/0123456789abcdef running 1m15s",
			"verify/unit succeeded (attempt 1) 12s",
			"verify/lint building (attempt 2)",
			"package/tarball waiting",
		}},
		{"nothing changed", &first, &first, nil},
		{"a new attempt", &first, &second, []string{"verify/lint building (attempt 3)"}},
		{"the end comes last", &second, &last, []string{
			"verify/lint succeeded (attempt 3) 10s",
			"package/tarball succeeded (attempt 1) 9.0s",
			"build build/demo/0123456789abcdef succeeded 1m30s",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Changes(tt.prev, *tt.cur, now))
		})
	}
}

func TestRenderList(t *testing.T) {
	builds := []rest.BuildSummary{
		{ID: "build/demo/aaaa", Project: "demo", Branch: "main", Commit: "aaaabbbbccccdddd", Status: "running", StartedAt: t0},
		{ID: "build/web/bbbb", Project: "web", Commit: "bbbb", Status: "failed", StartedAt: t0.Add(-2 * time.Hour),
			FinishedAt: at(-2*time.Hour + 42*time.Second)},
	}
	want := "PROJECT  BRANCH  COMMIT        STATUS   STARTED    DURATION  ID\n" +
		"demo     main    aaaabbbbcccc  running  3m00s ago  3m00s     build/demo/aaaa\n" +
		"web      -       bbbb          failed   2h03m ago  42s       build/web/bbbb\n"
	require.Equal(t, want, RenderList(builds, t0.Add(3*time.Minute)))
	require.Equal(t, "no builds\n", RenderList(nil, t0))
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0.0s"},
		{1234 * time.Millisecond, "1.2s"},
		{42 * time.Second, "42s"},
		{65 * time.Second, "1m05s"},
		{59*time.Minute + 59*time.Second, "59m59s"},
		{3*time.Hour + 7*time.Minute, "3h07m"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, formatDuration(tt.d), tt.d.String())
	}
}

func TestWatchShowsFailedNotifications(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 10, 0, time.UTC)
	st := contracts.BuildState{ID: "build/demo/abc", Project: "demo", Status: contracts.StatusSucceeded,
		StartedAt: now.Add(-10 * time.Second),
		Events: []contracts.Event{
			{Type: contracts.EventBuildStart},
			{Type: contracts.EventSinkFailed, Message: "webhook#1a2b BUILD_START: HTTP 500"},
		}}
	require.Contains(t, RenderWatch(st, now), "notification failed: webhook#1a2b BUILD_START: HTTP 500")

	prev := st
	prev.Events = st.Events[:1]
	require.Contains(t, Changes(&prev, st, now), "notification failed: webhook#1a2b BUILD_START: HTTP 500")
	require.NotContains(t, Changes(&st, st, now), "notification failed: webhook#1a2b BUILD_START: HTTP 500", "reported once")
}

func TestRenderWatchAndChangesShowSteps(t *testing.T) {
	st := sampleState(contracts.StatusRunning)
	st.Stages[0].Tasks[1].Steps = []contracts.TaskStepState{
		{Name: "deps", Status: "succeeded", ExitCode: intp(0), StartedAt: at(60 * time.Second), FinishedAt: at(62 * time.Second)},
		{Name: "test", Status: "building", StartedAt: at(62 * time.Second)},
		{Name: "publish", Status: "waiting"},
	}
	out := RenderWatch(st, t0.Add(65*time.Second))
	require.Contains(t, out, "verify   lint         building   2        5.0s\n"+
		"           › deps     succeeded           2.0s\n"+
		"           › test     building            3.0s\n"+
		"           › publish  waiting             -\n")

	next := st
	next.Stages = []contracts.StageState{st.Stages[0], st.Stages[1]}
	next.Stages[0].Tasks = append([]contracts.TaskState(nil), st.Stages[0].Tasks...)
	lint := next.Stages[0].Tasks[1]
	lint.Status, lint.ExitCode, lint.FinishedAt = "failed", intp(1), at(70*time.Second)
	lint.Steps = append([]contracts.TaskStepState(nil), lint.Steps...)
	lint.Steps[1] = contracts.TaskStepState{Name: "test", Status: "failed", ExitCode: intp(1), StartedAt: at(62 * time.Second), FinishedAt: at(70 * time.Second)}
	lint.Steps[2].Status = "skipped"
	next.Stages[0].Tasks[1] = lint
	require.Equal(t, []string{
		"verify/lint › test failed (exit 1) 8.0s",
		"verify/lint › publish skipped",
		"verify/lint failed (exit 1) (attempt 2) 10s",
	}, Changes(&st, next, t0.Add(70*time.Second)))
}

func TestRenderWatchShowsInputs(t *testing.T) {
	st := sampleState(contracts.StatusRunning)
	st.ID += "/0a1b2c3d4e5f"
	st.Inputs = []pipeline.EnvVar{{Name: "target", Value: "canary"}, {Name: "ticket", Value: "OPS 7"}}
	out := RenderWatch(st, t0.Add(65*time.Second))
	require.Contains(t, out, "running  1m05s\ninputs: target=\"canary\" ticket=\"OPS 7\"\nSTAGE")
}

func TestRenderWatchShowsWarningsAndErrors(t *testing.T) {
	st := sampleState(contracts.StatusSucceeded)
	st.Stages[0].Tasks[0].Warnings = []string{"Missing chapter 3", "two\nlines\x1b[31m"}
	st.Stages[1].Tasks[0].Errors = []string{"content/01.md:3: Unclosed tag"}
	out := RenderWatch(st, t0.Add(65*time.Second))
	require.Contains(t, out, "package  tarball  waiting    -        -\n"+
		"package/tarball error: content/01.md:3: Unclosed tag\n"+
		"verify/unit warning: Missing chapter 3\n"+
		"verify/unit warning: two lines [31m\n")
}
