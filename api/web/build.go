package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// BuildView is a build as its page and its event stream show it.
type BuildView struct {
	ID          string `json:"id"`
	Project     string `json:"project"`
	Commit      string `json:"commit"`
	Branch      string `json:"branch"`
	Status      string `json:"status"`
	TriggeredBy string `json:"triggered_by"`
	Subject     string `json:"subject,omitempty"`
	Author      string `json:"author,omitempty"`
	// Inputs are the values of the build's inputs, sorted by name.
	Inputs      []pipeline.EnvVar `json:"inputs,omitempty"`
	Version     string            `json:"version"`
	PromotionID string            `json:"promotion_id"`
	Started     string            `json:"started"`
	Duration    string            `json:"duration"`
	Stages      []StageView       `json:"stages"`
	Running     bool              `json:"running"`
	// Notice says what the build waits for that is wrong ("ledger
	// unreachable, retrying ..."); empty when nothing is.
	Notice      string `json:"notice"`
	TemporalURL string `json:"-"`
	// StartedAt is Started as a time, for the page's relative time.
	StartedAt time.Time `json:"-"`
	// CancelRequested: this page is the answer to a cancellation, so it
	// shows that instead of the Cancel button again.
	CancelRequested bool `json:"-"`
	// MayBuild: the signed-in user may cancel and re-run this build.
	MayBuild bool `json:"-"`
	// CanRerun: the build has ended and the pages can start it again.
	CanRerun bool `json:"-"`
	// CanRerunFailed: the build failed or was cancelled and the pages can
	// re-run only what did not succeed.
	CanRerunFailed bool `json:"-"`
	// RerunOf is the run this one re-runs, reusing some of its tasks.
	RerunOf string `json:"rerun_of,omitempty"`
	// Artifacts are every task's artifacts, for the page's artifact list.
	Artifacts []ArtifactLink `json:"-"`
	// Ticks are the marks of the timeline's time axis.
	Ticks []TimelineTick `json:"ticks"`
	// Upstream is the build upstream of this one in a chain across
	// repositories; Downstream are the builds downstream of it.
	Upstream   *contracts.Upstream    `json:"-"`
	Downstream []contracts.Downstream `json:"-"`
}

// TimelineTick is a mark of the timeline's axis at At percent of its width.
type TimelineTick struct {
	At    float64 `json:"at"`
	Label string  `json:"label"`
}

// StageView is a stage of a build.
type StageView struct {
	Name   string     `json:"name"`
	Status string     `json:"status"`
	Tasks  []TaskView `json:"tasks"`
	// From names the stage template the stage came from, if any.
	From string `json:"from,omitempty"`
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
	// Stage is the stage the task belongs to.
	Stage string `json:"stage"`
	// From names the task template the task came from, when its stage did
	// not come from that template.
	From string `json:"from,omitempty"`
	// ReusedFrom is the run whose success the task reuses instead of running.
	ReusedFrom string `json:"reused_from,omitempty"`
	// Bar places the task on the build's timeline; Bar.Width 0: not started.
	Bar TimelineBar `json:"bar"`
	// Steps are the task's steps (drover.yaml steps), in order.
	Steps []StepView `json:"steps,omitempty"`
	// Warnings and Errors are what the task printed as "::warning::" and
	// "::error::" lines.
	Warnings []string `json:"warnings,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// StepView is one step of a task card. Its section of the task's log starts
// with the line "=== step <n>/<count> <name> ===".
type StepView struct {
	Name     string `json:"name"`
	Status   string `json:"status"`
	Duration string `json:"duration"`
	ExitCode *int   `json:"exit_code,omitempty"`
	// LogURL is the task's log, which holds the step's section.
	LogURL string `json:"-"`
}

// TimelineBar is where a task's run sits on the build's timeline, in
// percent of the timeline from the build's start to its end (or now).
type TimelineBar struct {
	Left  float64 `json:"left"`
	Width float64 `json:"width"`
	// Running: the bar grows until the task ends.
	Running bool `json:"running"`
}

// ArtifactLink is an artifact a task uploaded; URL downloads it through the
// API, empty when it has no blob store key.
type ArtifactLink struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Size int64  `json:"size"`
	URL  string `json:"url,omitempty"`
	// SHA256 is the artifact's checksum, hex; Task is stage/task.
	SHA256 string `json:"sha256,omitempty"`
	Task   string `json:"task,omitempty"`
}

func (p *Pages) buildView(st workflows.BuildState) BuildView {
	v := BuildView{ID: st.ID, Project: st.Project, Commit: st.Commit, Branch: st.Branch, Status: string(st.Status),
		TriggeredBy: st.TriggeredBy, Subject: st.Subject, Author: st.Author, Inputs: st.Inputs, Version: st.Version, PromotionID: st.PromotionID, Started: when(st.StartedAt),
		Duration: duration(&st.StartedAt, st.FinishedAt), Running: st.Status == workflows.StatusRunning,
		TemporalURL: p.temporalURL(st.ID), StartedAt: st.StartedAt, Notice: st.Ledger, RerunOf: st.RerunOf,
		Upstream: st.Upstream, Downstream: st.Downstream}
	span := timelineSpan(st)
	base := "/api/v1/builds/" + url.PathEscape(st.ID) + "/tasks/"
	artifactBase := "/api/v1/builds/" + url.PathEscape(st.ID) + "/artifacts/"
	for _, s := range st.Stages {
		sv := StageView{Name: s.Name, Status: string(s.Status), From: s.From}
		for _, t := range s.Tasks {
			tv := TaskView{Key: s.Name + "/" + t.Name, Name: t.Name, Status: string(t.Status), Attempt: t.Attempt,
				Duration: duration(t.StartedAt, t.FinishedAt), ExitCode: t.ExitCode, Error: t.Error,
				LogURL: base + url.PathEscape(s.Name) + "/" + url.PathEscape(t.Name) + "/log",
				Stage:  s.Name, Bar: span.bar(t.StartedAt, t.FinishedAt), ReusedFrom: t.ReusedFrom,
				Warnings: t.Warnings, Errors: t.Errors}
			if t.ReusedFrom != "" {
				tv.Bar, tv.Duration = TimelineBar{}, "" // it ran in another run, outside this one's timeline
			}
			for _, st := range t.Steps {
				tv.Steps = append(tv.Steps, StepView{Name: st.Name, Status: string(st.Status),
					Duration: duration(st.StartedAt, st.FinishedAt), ExitCode: st.ExitCode, LogURL: tv.LogURL})
			}
			if t.From != s.From {
				tv.From = t.From
			}
			for _, a := range t.Artifacts {
				link := ArtifactLink{Name: a.Name, Path: a.Path, Size: a.Size, SHA256: a.SHA256, Task: tv.Key}
				if a.Key != "" {
					link.URL = artifactBase + url.PathEscape(s.Name) + "/" + url.PathEscape(t.Name) + "/" + url.PathEscape(a.Name)
				}
				tv.Artifacts = append(tv.Artifacts, link)
				v.Artifacts = append(v.Artifacts, link)
			}
			sv.Tasks = append(sv.Tasks, tv)
		}
		v.Stages = append(v.Stages, sv)
	}
	v.Ticks = span.ticks()
	return v
}

// span is the stretch of time a build's timeline shows: from its start
// (or its first task's) to its end, or now while it runs.
type span struct{ from, to time.Time }

func timelineSpan(st workflows.BuildState) span {
	s := span{from: st.StartedAt, to: time.Now()}
	if st.FinishedAt != nil && !st.FinishedAt.IsZero() {
		s.to = *st.FinishedAt
	}
	for _, stage := range st.Stages {
		for _, t := range stage.Tasks {
			if t.ReusedFrom != "" {
				continue
			}
			if t.StartedAt != nil && !t.StartedAt.IsZero() && (s.from.IsZero() || t.StartedAt.Before(s.from)) {
				s.from = *t.StartedAt
			}
			if t.FinishedAt != nil && t.FinishedAt.After(s.to) {
				s.to = *t.FinishedAt
			}
		}
	}
	return s
}

// bar places a run from start to end (now while it runs) on the span.
func (s span) bar(start, end *time.Time) TimelineBar {
	if start == nil || start.IsZero() || s.from.IsZero() {
		return TimelineBar{}
	}
	total := s.to.Sub(s.from)
	if total <= 0 {
		return TimelineBar{Left: 0, Width: 100, Running: end == nil}
	}
	stop := s.to
	if end != nil && !end.IsZero() {
		stop = *end
	}
	pct := func(d time.Duration) float64 { return math.Round(float64(d)/float64(total)*1000) / 10 }
	left := min(max(pct(start.Sub(s.from)), 0), 100)
	// At least a sliver, so that a task of a few milliseconds still shows.
	width := min(max(pct(stop.Sub(*start)), 0.8), 100-left)
	return TimelineBar{Left: left, Width: width, Running: end == nil || end.IsZero()}
}

// ticks are up to five marks of elapsed time along the span: 0s, 15s, 30s...
func (s span) ticks() []TimelineTick {
	total := s.to.Sub(s.from)
	if s.from.IsZero() || total <= 0 {
		return nil
	}
	step := time.Second
	for _, d := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second,
		30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
		30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
		step = d
		if total/d <= 4 {
			break
		}
	}
	var out []TimelineTick
	for at := time.Duration(0); at <= total; at += step {
		label := "0"
		if at > 0 {
			label = human(at)
		}
		out = append(out, TimelineTick{At: math.Round(float64(at)/float64(total)*1000) / 10, Label: label})
	}
	return out
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
	if _, signedIn := p.user(c); signedIn {
		v.MayBuild = p.mayBuild(c.Request.Context(), st.Project)
		_, starts := p.builds.(BuildStarter)
		v.CanRerun = starts && v.MayBuild && !v.Running
		_, failed := p.builds.(FailedRerunner)
		v.CanRerunFailed = v.CanRerun && failed && (st.Status == workflows.StatusFailed || st.Status == workflows.StatusCancelled)
	}
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
