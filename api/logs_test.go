package api

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/workflows"
)

const logBuild = "build/demo/abc"

func logState(unit workflows.TaskStatus) workflows.BuildState {
	return workflows.BuildState{ID: logBuild, RunID: "r1", Status: workflows.StatusRunning, Stages: []workflows.StageState{
		{Name: "verify", Tasks: []workflows.TaskState{{Name: "unit", Status: unit}, {Name: "lint", Status: "succeeded", LogKey: "custom/lint.log"}}},
		{Name: "package", Tasks: []workflows.TaskState{{Name: "unit", Status: "waiting"}, {Name: "tar", Status: "waiting"}}},
	}}
}

func TestTaskLog(t *testing.T) {
	ts := newTestServer()
	ts.builds.set(logState(workflows.TaskBuilding))
	ts.logs.append(logstore.TaskKey(logBuild, "r1", "verify", "unit"), "line 1\nline 2\n")
	ts.logs.append("custom/lint.log", "vet ok\n")

	tests := []struct {
		name   string
		target string
		status int
		want   string // the body, or the error code
	}{
		{"stage and task", "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log", 200, "line 1\nline 2\n"},
		{"log key of the state", "/api/v1/builds/build%2Fdemo%2Fabc/tasks/lint/log", 200, "vet ok\n"},
		{"query id", "/api/v1/builds/-/tasks/verify/unit/log?id=build/demo/abc", 200, "line 1\nline 2\n"},
		{"ambiguous task", "/api/v1/builds/build%2Fdemo%2Fabc/tasks/unit/log", 400, "bad_request"},
		{"unknown task", "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/nope/log", 404, "not_found"},
		{"no log yet", "/api/v1/builds/build%2Fdemo%2Fabc/tasks/tar/log", 404, "not_found"},
		{"bad path", "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit", 404, "not_found"},
		{"unknown build", "/api/v1/builds/build%2Fx%2Fy/tasks/verify/unit/log", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(t, http.MethodGet, tt.target, "")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status != 200 {
				require.Equal(t, tt.want, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)
				return
			}
			require.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			require.Equal(t, tt.want, rec.Body.String())
		})
	}
}

func TestTaskLogReadFails(t *testing.T) {
	ts := newTestServer()
	ts.builds.set(logState(workflows.TaskBuilding))
	ts.logs.err = errors.New("open /var/drover/logs/x: permission denied")
	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log", "")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.NotContains(t, rec.Body.String(), "/var/drover")
}

// sseEvent is one server-sent event.
type sseEvent struct{ name, data string }

// readEvents reads events from an SSE stream into a channel until it ends.
func readEvents(t *testing.T, resp *http.Response) <-chan sseEvent {
	t.Helper()
	ch := make(chan sseEvent, 100)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				ch <- ev
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return ch
}

func nextEvent(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "stream ended early")
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
		return sseEvent{}
	}
}

func TestTaskLogFollow(t *testing.T) {
	ts := newTestServer()
	ts.builds.set(logState(workflows.TaskScheduled))
	key := logstore.TaskKey(logBuild, "r1", "verify", "unit")
	srv := httptestServer(t, ts.Handler())

	resp, err := http.Get(srv.URL + "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?follow=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := readEvents(t, resp)

	// Lines arrive as they are written, a partial line once it is complete.
	ts.logs.append(key, "first\nsec")
	require.Equal(t, sseEvent{data: "first"}, nextEvent(t, events))
	ts.logs.append(key, "ond\r\n")
	require.Equal(t, sseEvent{data: "second"}, nextEvent(t, events))

	// The task ends; output written before that is still sent, then the end.
	ts.logs.append(key, "last\nno newline")
	ts.builds.set(logState(workflows.TaskFailed))
	require.Equal(t, sseEvent{data: "last"}, nextEvent(t, events))
	require.Equal(t, sseEvent{data: "no newline"}, nextEvent(t, events))
	require.Equal(t, sseEvent{name: "end", data: "failed"}, nextEvent(t, events))
	_, open := <-events
	require.False(t, open, "the stream ends after the end event")
}

func TestTaskLogFollowFinishedTask(t *testing.T) {
	ts := newTestServer()
	st := logState(workflows.TaskSucceeded)
	st.Status = workflows.StatusSucceeded
	ts.builds.set(st)
	ts.logs.append(logstore.TaskKey(logBuild, "r1", "verify", "unit"), "a\nb\n")

	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?follow=1", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "data: a\n\ndata: b\n\nevent: end\ndata: succeeded\n\n", rec.Body.String())

	// A task that never ran in a finished build ends with its own status.
	rec = ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fabc/tasks/tar/log?follow=1", "")
	require.Equal(t, "event: end\ndata: waiting\n\n", rec.Body.String())
}

func TestTaskLogFollowStopsWhenClientLeaves(t *testing.T) {
	ts := newTestServer()
	ts.builds.set(logState(workflows.TaskBuilding))
	srv := httptestServer(t, ts.Handler())

	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		srv.URL+"/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?follow=1", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	cancel()
	// The server notices the client left; Close would block otherwise.
	srv.Close()
}

func TestTaskLogFollowEndsOnCloseStreams(t *testing.T) {
	ts := newTestServer()
	ts.builds.set(logState(workflows.TaskBuilding))
	srv := httptestServer(t, ts.Handler())
	resp, err := http.Get(srv.URL + "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?follow=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	events := readEvents(t, resp)
	ts.CloseStreams()
	select {
	case _, open := <-events:
		require.False(t, open)
	case <-time.After(10 * time.Second):
		t.Fatal("stream still open after CloseStreams")
	}
}
