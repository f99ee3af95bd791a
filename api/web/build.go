package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/workflows"
)

// BuildView is a build as its page and its event stream show it.
type BuildView struct {
	ID          string      `json:"id"`
	Project     string      `json:"project"`
	Commit      string      `json:"commit"`
	Branch      string      `json:"branch"`
	Status      string      `json:"status"`
	TriggeredBy string      `json:"triggered_by"`
	Version     string      `json:"version"`
	PromotionID string      `json:"promotion_id"`
	Started     string      `json:"started"`
	Duration    string      `json:"duration"`
	Stages      []StageView `json:"stages"`
	Running     bool        `json:"running"`
	TemporalURL string      `json:"-"`
	// StartedAt is Started as a time, for the page's relative time.
	StartedAt time.Time `json:"-"`
	// CancelRequested: this page is the answer to a cancellation, so it
	// shows that instead of the Cancel button again.
	CancelRequested bool `json:"-"`
}

// StageView is a stage of a build.
type StageView struct {
	Name   string     `json:"name"`
	Status string     `json:"status"`
	Tasks  []TaskView `json:"tasks"`
}

// TaskView is a task card.
type TaskView struct {
	Key       string         `json:"key"` // stage/task, unique in the build
	Name      string         `json:"name"`
	Status    string         `json:"status"`
	Attempt   int            `json:"attempt"`
	Duration  string         `json:"duration"`
	ExitCode  *int           `json:"exit_code,omitempty"`
	Error     string         `json:"error,omitempty"`
	LogURL    string         `json:"log_url"`
	Artifacts []ArtifactLink `json:"artifacts,omitempty"`
}

// ArtifactLink is an artifact a task uploaded; URL downloads it through the
// API, empty when it has no blob store key.
type ArtifactLink struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Size int64  `json:"size"`
	URL  string `json:"url,omitempty"`
}

func (p *Pages) buildView(st workflows.BuildState) BuildView {
	v := BuildView{ID: st.ID, Project: st.Project, Commit: st.Commit, Branch: st.Branch, Status: st.Status,
		TriggeredBy: st.TriggeredBy, Version: st.Version, PromotionID: st.PromotionID, Started: when(st.StartedAt),
		Duration: duration(&st.StartedAt, st.FinishedAt), Running: st.Status == workflows.StatusRunning,
		TemporalURL: p.temporalURL(st.ID), StartedAt: st.StartedAt}
	base := "/api/v1/builds/" + url.PathEscape(st.ID) + "/tasks/"
	artifactBase := "/api/v1/builds/" + url.PathEscape(st.ID) + "/artifacts/"
	for _, s := range st.Stages {
		sv := StageView{Name: s.Name, Status: s.Status}
		for _, t := range s.Tasks {
			tv := TaskView{Key: s.Name + "/" + t.Name, Name: t.Name, Status: t.Status, Attempt: t.Attempt,
				Duration: duration(t.StartedAt, t.FinishedAt), ExitCode: t.ExitCode, Error: t.Error,
				LogURL: base + url.PathEscape(s.Name) + "/" + url.PathEscape(t.Name) + "/log"}
			for _, a := range t.Artifacts {
				link := ArtifactLink{Name: a.Name, Path: a.Path, Size: a.Size}
				if a.Key != "" {
					link.URL = artifactBase + url.PathEscape(s.Name) + "/" + url.PathEscape(t.Name) + "/" + url.PathEscape(a.Name)
				}
				tv.Artifacts = append(tv.Artifacts, link)
			}
			sv.Tasks = append(sv.Tasks, tv)
		}
		v.Stages = append(v.Stages, sv)
	}
	return v
}

func (p *Pages) temporalURL(workflowID string) string {
	return p.opts.TemporalWebURL + "/namespaces/" + url.PathEscape(p.opts.Namespace) + "/workflows/" + url.PathEscape(workflowID)
}

// runID reads the run ID of a page from ?id= or the :id segment.
func runID(c *gin.Context) string {
	if id := c.Query("id"); id != "" {
		return id
	}
	return c.Param("id")
}

func (p *Pages) readBuild(c *gin.Context) (workflows.BuildState, bool) {
	st, err := p.builds.State(c.Request.Context(), runID(c), "")
	switch {
	case errors.Is(err, p.opts.NotFound):
		p.renderError(c, http.StatusNotFound, "No build has this ID.")
		return st, false
	case err != nil:
		p.opts.Logger.ErrorContext(c.Request.Context(), "build page: read state failed", "build_id", runID(c), "error", err)
		p.renderError(c, http.StatusBadGateway, "The build could not be read. Try again in a moment.")
		return st, false
	}
	return st, true
}

func (p *Pages) buildPage(c *gin.Context) {
	st, ok := p.readBuild(c)
	if !ok {
		return
	}
	v := p.buildView(st)
	v.CancelRequested = c.Query("cancel") == "requested"
	p.render(c, http.StatusOK, "build", "Build "+st.Project+" "+short(st.Commit), v)
}

func (p *Pages) buildEvents(c *gin.Context) {
	id := runID(c)
	p.stream(c, func(ctx context.Context) (any, error) {
		st, err := p.builds.State(ctx, id, "")
		if err != nil {
			return nil, err
		}
		return p.buildView(st), nil
	}, func(v any) bool { return !v.(BuildView).Running })
}

func (p *Pages) cancelBuild(c *gin.Context) {
	id := runID(c)
	user, _ := p.user(c)
	if err := p.builds.Cancel(withFormUser(c.Request.Context(), user), id); err != nil {
		var refused interface{ Forbidden() bool }
		if errors.As(err, &refused) && refused.Forbidden() {
			p.renderError(c, http.StatusForbidden, "Refused: "+err.Error())
			return
		}
		p.opts.Logger.WarnContext(c.Request.Context(), "web cancel build failed", "build_id", id, "error", err)
		p.renderError(c, http.StatusConflict, "The build could not be cancelled: it may have ended already.")
		return
	}
	p.opts.Logger.InfoContext(c.Request.Context(), "build cancel requested", "build_id", id, "by", user.Name, "channel", "web")
	c.Redirect(http.StatusSeeOther, "/builds/"+url.PathEscape(id)+"?cancel=requested&msg=Cancellation+requested.")
}
