package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// BuildInputReader is implemented by Builds that can tell the input a run
// started with (TemporalBuilds reads it from the run's history): a re-run
// of some tasks runs the very plan of the run it re-runs.
type BuildInputReader interface {
	// Input returns the input run runID of build id started with.
	Input(ctx context.Context, id, runID string) (workflows.BuildInput, error)
}

// rerunBuild answers POST /api/v1/builds/{id}/rerun: the last run of
// build id runs again, from its own plan, reusing what the request leaves
// out (see rerunInput). The caller needs the build role, the repository
// must still be registered for the project and the branch must still hold
// the commit, as for POST /api/v1/builds.
func (s *Server) rerunBuild(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := buildID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	var req RerunBuildRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c.Request.Body, &req); err != nil {
			_ = c.Error(err)
			return
		}
	}
	// The role first, as for cancel: whether a build exists is not told to
	// those who may not build its project.
	if err := s.authorize(c, projectOfID(id), registry.RoleBuild); err != nil {
		_ = c.Error(err)
		return
	}
	st, err := s.Builds.State(ctx, id, "")
	if err != nil {
		_ = c.Error(err)
		return
	}
	if st.Project != projectOfID(id) {
		_ = c.Error(notFound(KindBuild, id))
		return
	}
	registered, err := s.registeredRepository(c, st.Project, st.Repository, "rerun")
	if err == nil {
		err = s.onBranch(c, registered, st.Repository, st.Commit, st.Branch, "rerun")
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	in, err := s.rerunInput(ctx, st, registered, req)
	if err != nil {
		_ = c.Error(err)
		return
	}
	in.TriggeredBy = triggeredBy(c)
	status, resp, err := s.startRerun(ctx, in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(status, resp)
}

// startRerun starts in, a re-run made by rerunInput.
func (s *Server) startRerun(ctx context.Context, in workflows.BuildInput) (int, CreateBuildResponse, error) {
	status, resp, err := s.startBuild(ctx, in, true)
	if err != nil {
		return 0, resp, err
	}
	resp.RerunOf = in.RerunOf
	for _, stage := range in.Plan.Stages {
		for _, t := range stage.Tasks {
			if _, ok := in.Reuse[contracts.ReuseKey(stage.Name, t.Name)]; ok {
				resp.Reused = append(resp.Reused, contracts.ReuseKey(stage.Name, t.Name))
			}
		}
	}
	return status, resp, nil
}

// rerunInput is the input of a re-run of st, the last run of its build,
// for a caller already allowed to build it (registered is the project's
// registration, nil when nothing is protected). The plan is the one st ran,
// read from its history, never one the client sends nor the definition
// read again; what guards it is decided again as for a new build: the
// promotion is made to meet the registration of today (startBuild decides
// the secrets and the decision keys). req.Failed reuses every task that
// succeeded up to the first stage that did not; req.Task reuses those
// before the task's stage and its stage's others.
func (s *Server) rerunInput(ctx context.Context, st workflows.BuildState, registered *registry.Project, req RerunBuildRequest) (workflows.BuildInput, error) {
	if st.Status == workflows.StatusRunning {
		return workflows.BuildInput{}, ErrBuildRunning
	}
	reuse, err := reuseOf(st, req)
	if err != nil {
		return workflows.BuildInput{}, err
	}
	reader, ok := s.Builds.(BuildInputReader)
	if !ok {
		return workflows.BuildInput{}, errorf(http.StatusNotImplemented, codeBadRequest, "this server cannot re-run part of a build")
	}
	old, err := reader.Input(ctx, st.ID, st.RunID)
	if err != nil {
		return workflows.BuildInput{}, fmt.Errorf("input of build %s run %s: %w", st.ID, st.RunID, err)
	}
	if old.Project != st.Project || old.Commit != st.Commit || old.Repository != st.Repository {
		return workflows.BuildInput{}, fmt.Errorf("input of build %s run %s is not that build's", st.ID, st.RunID)
	}
	_, def, err := s.definitionAt(ctx, old.Repository, old.Commit)
	if err != nil {
		return workflows.BuildInput{}, err
	}
	if def.Project != old.Project {
		return workflows.BuildInput{}, errorf(http.StatusConflict, codeConflict, "the definition at %s is project %s, not %s",
			shortCommit(old.Commit), def.Project, old.Project)
	}
	// Only what the old run built is taken from it; everything the server
	// decides is decided again (startBuild: secrets, decision keys, the
	// promotion's compiled plan).
	return workflows.BuildInput{
		Project: old.Project, Repository: old.Repository, Commit: old.Commit, Branch: old.Branch,
		Plan: old.Plan, Subject: old.Subject, Author: old.Author,
		Promotion: s.protectedPromotion(ctx, registered, def, old.Branch),
		Notify:    def.Notify,
		Rerun:     true, RerunOf: st.RunID, Reuse: reuse,
		// Whoever triggered the runs this one runs again stays credited
		// with the commit: rerunning a push does not make it the rerunner's
		// alone (prevent_self_approval).
		RegisteredBy: creditAlso(slices.Clone(old.RegisteredBy), "", old.TriggeredBy),

		HeartbeatTimeout: s.TaskHeartbeatTimeout,
		InfraRetries:     s.TaskInfraRetries,
	}, nil
}

// reuseOf picks the tasks of st that a re-run takes as they are, by
// contracts.ReuseKey: nil to run everything again. Only tasks that
// succeeded are reused, and none past the first stage that did not.
func reuseOf(st workflows.BuildState, req RerunBuildRequest) (map[string]contracts.TaskState, error) {
	req.Task = strings.TrimSpace(req.Task)
	if req.Failed && req.Task != "" {
		return nil, errorf(http.StatusBadRequest, codeBadRequest, "give failed or task, not both")
	}
	if !req.Failed && req.Task == "" {
		return nil, nil
	}
	if len(st.Stages) == 0 {
		return nil, errorf(http.StatusConflict, codeConflict,
			"the tasks of build %s run %s are not known (no worker answered): re-run all of it", st.ID, st.RunID)
	}
	cut := len(st.Stages) // the first stage that did not succeed in full
	for si, stage := range st.Stages {
		if slices.ContainsFunc(stage.Tasks, func(t contracts.TaskState) bool { return t.Status != workflows.TaskSucceeded }) {
			cut = si
			break
		}
	}
	target := ""
	if req.Task != "" {
		si, key, err := rerunTarget(st, req.Task)
		if err != nil {
			return nil, err
		}
		cut, target = min(cut, si), key
	} else if cut == len(st.Stages) {
		return nil, errorf(http.StatusConflict, codeConflict,
			"build %s run %s has no failed task: re-run all of it or one task", st.ID, st.RunID)
	}
	reuse := map[string]contracts.TaskState{}
	for si := 0; si <= cut && si < len(st.Stages); si++ {
		stage := st.Stages[si]
		for _, t := range stage.Tasks {
			key := contracts.ReuseKey(stage.Name, t.Name)
			if t.Status == workflows.TaskSucceeded && key != target {
				reuse[key] = t
			}
		}
	}
	return reuse, nil
}

// rerunTarget finds "stage/task", or a task name no other stage has, in
// st: its stage's index and its key.
func rerunTarget(st workflows.BuildState, name string) (int, string, error) {
	stage, task, qualified := strings.Cut(name, "/")
	if !qualified {
		stage, task = "", name
	}
	stageName, _, ok, ambiguous := findTask(st, stage, task)
	switch {
	case ambiguous:
		return 0, "", errorf(http.StatusBadRequest, codeBadRequest, "task %q is in more than one stage: give stage/task", name)
	case !ok || task == "":
		return 0, "", errorf(http.StatusBadRequest, codeBadRequest, "build %s has no task %q", st.ID, name)
	}
	si := slices.IndexFunc(st.Stages, func(s workflows.StageState) bool { return s.Name == stageName })
	return si, contracts.ReuseKey(stageName, task), nil
}

// RerunFailed is the build page's Re-run failed form: the tasks of build id
// that did not succeed run again, as POST .../rerun with failed does.
func (b pageBuilds) RerunFailed(ctx context.Context, id string) (string, error) {
	st, err := b.State(ctx, id, "")
	if err != nil {
		return "", err
	}
	if err := b.s.authorizeForm(ctx, st.Project, registry.RoleBuild, "rerun", id); err != nil {
		return "", err
	}
	registered, err := b.s.pageRegistered(ctx, st.Project, st.Repository)
	if err != nil {
		return "", err
	}
	if err := b.s.pageOnBranch(ctx, registered, st.Repository, st.Commit, st.Branch); err != nil {
		return "", err
	}
	in, err := b.s.rerunInput(ctx, st, registered, RerunBuildRequest{Failed: true})
	if errors.Is(err, ErrBuildRunning) {
		return "", &pageRefusal{msg: "the build is still running"}
	}
	if err != nil {
		return "", pageError(err)
	}
	who, _ := web.FormUser(ctx)
	in.TriggeredBy = cmpOr(who.Name, "web")
	_, resp, err := b.s.startRerun(ctx, in)
	if err != nil {
		return "", pageError(err)
	}
	return resp.ID, nil
}
