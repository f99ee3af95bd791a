package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/workflows"
)

// logChunk is how much of a log one read returns.
const logChunk = 256 << 10

// taskLogRequest names the task whose log is asked for.
type taskLogRequest struct {
	state workflows.BuildState
	stage string
	task  workflows.TaskState
	key   string
}

// taskLog serves GET /api/v1/builds/{id}/tasks/{stage}/{task}/log (or
// /tasks/{task}/log): the whole log as text, or with ?follow=1 a stream of
// server-sent events, one per line, ending with an "end" event whose data is
// the task's final status.
func (s *Server) taskLog(c *gin.Context) {
	if !s.readableID(c, buildID) {
		return
	}
	req, err := s.resolveTaskLog(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	switch c.Query("follow") {
	case "", "0", "false":
		s.writeWholeLog(c, req)
	default:
		s.followLog(c, req)
	}
}

func (s *Server) resolveTaskLog(c *gin.Context) (taskLogRequest, error) {
	id, err := buildID(c)
	if err != nil {
		return taskLogRequest{}, err
	}
	parts := strings.Split(strings.Trim(c.Param("path"), "/"), "/")
	var stage, task string
	switch {
	case len(parts) == 3 && parts[2] == "log":
		stage, task = parts[0], parts[1]
	case len(parts) == 2 && parts[1] == "log":
		task = parts[0]
	default:
		return taskLogRequest{}, errorf(http.StatusNotFound, codeNotFound, "no such route")
	}
	state, err := s.buildState(c.Request.Context(), id, c.Query("run_id"))
	if err != nil {
		return taskLogRequest{}, err
	}
	stageName, ts, ok, ambiguous := findTask(state, stage, task)
	if ambiguous {
		return taskLogRequest{}, errorf(http.StatusBadRequest, codeBadRequest,
			"several stages have a task %q; name the stage: tasks/<stage>/%s/log", task, task)
	}
	if !ok {
		return taskLogRequest{}, errorf(http.StatusNotFound, codeNotFound, "build has no task %s", strings.Trim(stage+"/"+task, "/"))
	}
	key := ts.LogKey
	if key == "" {
		key = logstore.TaskKey(state.ID, state.RunID, stageName, task)
	}
	return taskLogRequest{state: state, stage: stageName, task: ts, key: key}, nil
}

func (s *Server) writeWholeLog(c *gin.Context, req taskLogRequest) {
	s.writeWholeKey(c, req.key, "task "+req.stage+"/"+req.task.Name)
}

// writeWholeKey answers the whole log at key as text; what names its
// writer in a 404.
func (s *Server) writeWholeKey(c *gin.Context, key, what string) {
	ctx := c.Request.Context()
	data, offset, err := s.Logs.ReadAt(ctx, key, 0, logChunk)
	if errors.Is(err, logstore.ErrNotFound) {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "%s has no log yet", what))
		return
	}
	if err != nil {
		_ = c.Error(fmt.Errorf("read log %s: %w", key, err))
		return
	}
	c.Header("Content-Type", "text/plain; charset=utf-8")
	c.Status(http.StatusOK)
	for len(data) > 0 {
		if _, err := c.Writer.Write(data); err != nil {
			return // the client went away
		}
		if data, offset, err = s.Logs.ReadAt(ctx, key, offset, logChunk); err != nil {
			s.logger().WarnContext(ctx, "read log failed", "key", key, "error", err)
			return
		}
	}
}

// taskEnded reports whether the task will write no more output, and its status.
func taskEnded(state workflows.BuildState, stage, task string) (bool, string) {
	_, ts, ok, _ := findTask(state, stage, task)
	switch {
	case ok && (ts.Status == workflows.TaskSucceeded || ts.Status == workflows.TaskFailed ||
		ts.Status == workflows.TaskCancelled):
		return true, string(ts.Status)
	case state.Status != workflows.StatusRunning:
		if !ok || ts.Status == "" {
			return true, string(state.Status)
		}
		return true, string(ts.Status)
	}
	return false, ""
}

// stateOf reads the build's state, for a followed log.
func (s *Server) stateOf(ctx context.Context, state workflows.BuildState) (workflows.BuildState, error) {
	return s.buildState(ctx, state.ID, state.RunID)
}
