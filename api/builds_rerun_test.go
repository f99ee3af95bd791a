package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// endedBuild is a build of three stages whose tasks ended as statuses says ("stage/task" → status).
func endedBuild(status workflows.BuildStatus, statuses ...[2]string) workflows.BuildState {
	st := workflows.BuildState{ID: "build/demo/" + testSHA, RunID: "run-1", Project: "demo", Commit: testSHA, Status: status}
	for _, s := range statuses {
		stage, task, _ := strings.Cut(s[0], "/")
		if len(st.Stages) == 0 || st.Stages[len(st.Stages)-1].Name != stage {
			st.Stages = append(st.Stages, workflows.StageState{Name: stage})
		}
		last := &st.Stages[len(st.Stages)-1]
		last.Tasks = append(last.Tasks, workflows.TaskState{Name: task, Status: workflows.TaskStatus(s[1])})
	}
	return st
}

func TestReuseOf(t *testing.T) {
	ok, failed, cancelled, skipped := string(workflows.TaskSucceeded), string(workflows.TaskFailed), string(workflows.TaskCancelled), string(workflows.TaskSkipped)
	failedBuild := endedBuild(workflows.StatusFailed,
		[2]string{"verify/unit", ok}, [2]string{"verify/lint", ok},
		[2]string{"test/api", failed}, [2]string{"test/ui", ok}, [2]string{"test/slow", cancelled},
		[2]string{"package/tarball", skipped})
	succeeded := endedBuild(workflows.StatusSucceeded,
		[2]string{"verify/unit", ok}, [2]string{"test/api", ok}, [2]string{"package/tarball", ok})
	tests := []struct {
		name    string
		st      workflows.BuildState
		req     RerunBuildRequest
		want    []string // reused keys, sorted
		wantErr string
	}{
		{name: "everything", st: failedBuild, req: RerunBuildRequest{}},
		{name: "failed", st: failedBuild, req: RerunBuildRequest{Failed: true},
			want: []string{"test/ui", "verify/lint", "verify/unit"}},
		{name: "one task of the first stage", st: failedBuild, req: RerunBuildRequest{Task: "verify/lint"},
			want: []string{"verify/unit"}},
		{name: "a task by its name alone", st: succeeded, req: RerunBuildRequest{Task: "api"},
			want: []string{"verify/unit"}},
		{name: "a task after the failure runs what failed too", st: failedBuild, req: RerunBuildRequest{Task: "package/tarball"},
			want: []string{"test/ui", "verify/lint", "verify/unit"}},
		{name: "the last task of a success", st: succeeded, req: RerunBuildRequest{Task: "package/tarball"},
			want: []string{"test/api", "verify/unit"}},
		{name: "nothing failed", st: succeeded, req: RerunBuildRequest{Failed: true}, wantErr: "has no failed task"},
		{name: "no such task", st: succeeded, req: RerunBuildRequest{Task: "verify/nope"}, wantErr: `has no task "verify/nope"`},
		{name: "both", st: failedBuild, req: RerunBuildRequest{Failed: true, Task: "verify/unit"}, wantErr: "not both"},
		{name: "tasks unknown", st: workflows.BuildState{Status: workflows.StatusFailed}, req: RerunBuildRequest{Failed: true},
			wantErr: "not known"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reuse, err := reuseOf(tt.st, tt.req)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var keys []string
			for k, ts := range reuse {
				keys = append(keys, k)
				require.Equal(t, workflows.TaskSucceeded, ts.Status)
			}
			slices.Sort(keys)
			require.Equal(t, tt.want, keys)
		})
	}
}

func TestRerunFailedRunsTheOldPlanWithProtectionsDecidedAgain(t *testing.T) {
	ts := newTestServer()
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(goodYAML)
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main", "branch": "main"}`)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	id := "build/demo/" + testSHA
	path := "/api/v1/builds/" + url.PathEscape(id) + "/rerun"

	rec = ts.do(t, http.MethodPost, path, `{"failed": true}`)
	require.Equal(t, http.StatusConflict, rec.Code, "a running build is not re-run: %s", rec.Body.String())

	// The old run's plan is what runs again, not the definition read again
	// (which a later include or input could change).
	ts.builds.mu.Lock()
	old := ts.builds.inputs["run-1"]
	old.Plan.Stages[1].Tasks[0].Run = "make dist-from-run-1"
	old.SecretsAllowed = false // decided again: main is trusted
	old.TriggeredBy = "bob"
	old.RegisteredBy = []string{"github:mallory"}
	old.PromotionPlan = &pipeline.PromotionPlan{} // decided again: the definition promotes nothing
	ts.builds.inputs["run-1"] = old
	st := endedBuild(workflows.StatusFailed, [2]string{"verify/unit", string(workflows.TaskSucceeded)},
		[2]string{"verify/lint", string(workflows.TaskFailed)}, [2]string{"package/tarball", string(workflows.TaskSkipped)})
	st.Stages[0].Tasks[0].LogKey = "logs/run-1/verify/unit"
	st.Repository, st.Branch = testRepo, "main"
	ts.builds.states[id] = st
	ts.builds.mu.Unlock()

	rec = ts.do(t, http.MethodPost, path, `{"failed": true}`, UserHeader, "alice")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	resp := decodeBody[CreateBuildResponse](t, rec.Body.Bytes())
	require.Equal(t, id, resp.ID)
	require.True(t, resp.Rerun)
	require.Equal(t, "run-1", resp.RerunOf)
	require.Equal(t, []string{"verify/unit"}, resp.Reused)

	require.Len(t, ts.builds.started, 2)
	in := ts.builds.started[1]
	require.True(t, ts.builds.rerun[1])
	require.Equal(t, "make dist-from-run-1", in.Plan.Stages[1].Tasks[0].Run, "the plan is the old run's")
	require.Equal(t, "run-1", in.RerunOf)
	require.Equal(t, map[string]contracts.TaskState{"verify/unit": st.Stages[0].Tasks[0]}, in.Reuse)
	require.Equal(t, "alice", in.TriggeredBy)
	require.Equal(t, []string{"github:mallory", "bob"}, in.RegisteredBy,
		"whoever triggered the runs before stays credited (prevent_self_approval)")
	require.True(t, in.SecretsAllowed, "secrets are decided again for the branch")
	require.Nil(t, in.PromotionPlan, "the promotion is decided again")

	rec = ts.do(t, http.MethodPost, "/api/v1/builds/"+url.PathEscape("build/demo/"+testSHA[:8]+"0000")+"/rerun", `{}`)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	rec = ts.do(t, http.MethodPost, path, `{"plan": {}}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, "a client never sends a plan: %s", rec.Body.String())
}

func TestPageRerunFailed(t *testing.T) {
	ts := newTestServer()
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.refs[testRepo+"@"+testSHA] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(goodYAML)
	rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main", "branch": "main"}`)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	id := "build/demo/" + testSHA

	_, err := pageBuilds{ts.Server}.RerunFailed(context.Background(), id)
	require.ErrorContains(t, err, "still running")

	st := endedBuild(workflows.StatusCancelled, [2]string{"verify/unit", string(workflows.TaskSucceeded)},
		[2]string{"verify/lint", string(workflows.TaskCancelled)}, [2]string{"package/tarball", string(workflows.TaskSkipped)})
	st.Repository, st.Branch = testRepo, "main"
	ts.builds.mu.Lock()
	ts.builds.states[id] = st
	ts.builds.mu.Unlock()
	newID, err := pageBuilds{ts.Server}.RerunFailed(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, id, newID)
	in := ts.builds.started[1]
	require.Equal(t, "web", in.TriggeredBy)
	require.Equal(t, "run-1", in.RerunOf)
	require.Len(t, in.Reuse, 1)
	require.Contains(t, in.Reuse, "verify/unit")
}
