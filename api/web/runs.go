package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// runsLimit is how many builds and how many promotions the runs list shows.
const runsLimit = 100

// Run is one build or promotion in the runs list.
type Run struct {
	Kind    string `json:"kind"` // build or promotion
	ID      string `json:"id"`
	URL     string `json:"url"`
	Project string `json:"project"`
	Branch  string `json:"branch"`
	Ref     string `json:"ref"` // commit of a build, version of a promotion
	Status  string `json:"status"`
	By      string `json:"by"`
	// Subject and Author are a build's commit subject and author.
	Subject   string    `json:"subject,omitempty"`
	Author    string    `json:"author,omitempty"`
	StartedAt time.Time `json:"started_at"`
	Started   string    `json:"started"` // the exact time
	// Ago is StartedAt relative to now ("5m ago"); Duration how long it ran
	// (so far, while it runs).
	Ago      string `json:"ago"`
	Duration string `json:"duration"`
	// Track is, for a promotion, each environment of its project in
	// promotion order, On where this version is the one deployed now.
	Track      []TrackStep `json:"track,omitempty"`
	finishedAt *time.Time
}

// TrackStep is one environment in a run's inline environment track.
type TrackStep struct {
	Environment string `json:"environment"`
	On          bool   `json:"on"`
}

type runsFilter struct {
	Project, Branch, Status string
}

type runsData struct {
	Filter   runsFilter
	Runs     []Run
	Statuses []string
	Query    string
	// Buildable are the projects of the listed runs the signed-in user may
	// start a build of (the Run form); empty hides it.
	Buildable []string
}

var (
	buildStatuses     = []string{"running", "succeeded", "failed", "cancelled"}
	promotionStatuses = []string{"running", "completed", "stopped", "cancelled"}
)

// filterStatuses are the statuses of the runs filter: every status of a
// build or a promotion, once each.
func filterStatuses() []string {
	out := slices.Clone(buildStatuses)
	for _, s := range promotionStatuses {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func readRunsFilter(c *gin.Context) runsFilter {
	return runsFilter{Project: c.Query("project"), Branch: c.Query("branch"), Status: c.Query("status")}
}

// runs lists builds and promotions matching f, newest first.
func (p *Pages) runs(ctx context.Context, f runsFilter) ([]Run, error) {
	out := []Run{}
	if f.Status == "" || slices.Contains(buildStatuses, f.Status) {
		builds, err := p.ledger.ListBuilds(ctx, ledger.BuildFilter{Project: f.Project, Branch: f.Branch, Status: f.Status, Limit: runsLimit})
		if err != nil {
			return nil, fmt.Errorf("list builds: %w", err)
		}
		for _, b := range builds {
			out = append(out, Run{Kind: "build", ID: b.ID, URL: "/builds/" + url.PathEscape(b.ID), Project: b.Project,
				Branch: b.Branch, Ref: buildRef(b.ID, b.Project, b.Commit), Status: b.Status, By: b.TriggeredBy, Subject: b.Subject, Author: b.Author,
				StartedAt: b.StartedAt, finishedAt: b.FinishedAt})
		}
	}
	if f.Status == "" || slices.Contains(promotionStatuses, f.Status) {
		proms, err := p.ledger.ListPromotions(ctx, ledger.PromotionFilter{Project: f.Project, Status: f.Status, Limit: runsLimit})
		if err != nil {
			return nil, fmt.Errorf("list promotions: %w", err)
		}
		var tracks map[string][]ledger.EnvironmentStatus
		for _, pr := range proms {
			if f.Branch != "" && pr.Branch != f.Branch {
				continue
			}
			if tracks == nil {
				if tracks, err = p.tracks(ctx, f.Project); err != nil {
					return nil, err
				}
			}
			out = append(out, Run{Kind: "promotion", ID: pr.ID, URL: "/promotions/" + url.PathEscape(pr.ID), Project: pr.Project,
				Branch: pr.Branch, Ref: pr.Version, Status: pr.Status, By: pr.TriggeredBy, StartedAt: pr.StartedAt,
				finishedAt: pr.FinishedAt, Track: track(tracks[pr.Project], pr.Version)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.After(out[j].StartedAt) })
	for i := range out {
		out[i].Started = when(out[i].StartedAt)
		out[i].Ago = ago(out[i].StartedAt)
		out[i].Duration = duration(&out[i].StartedAt, out[i].finishedAt)
	}
	return out, nil
}

// tracks reads, once per list, what version each environment of each
// project runs now, environments in promotion order.
func (p *Pages) tracks(ctx context.Context, project string) (map[string][]ledger.EnvironmentStatus, error) {
	statuses, err := p.ledger.Environments(ctx, project)
	if err != nil {
		return nil, fmt.Errorf("list environments: %w", err)
	}
	out := map[string][]ledger.EnvironmentStatus{}
	for _, s := range statuses {
		out[s.Project] = append(out[s.Project], s)
	}
	return out, nil
}

// track marks the environments where version is the one deployed now.
func track(envs []ledger.EnvironmentStatus, version string) []TrackStep {
	var out []TrackStep
	for _, e := range envs {
		out = append(out, TrackStep{Environment: e.Environment, On: e.Version == version})
	}
	return out
}

func (p *Pages) runsPage(c *gin.Context) {
	f := readRunsFilter(c)
	runs, err := p.runs(c.Request.Context(), f)
	if err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "runs page failed", "error", err)
		p.renderError(c, http.StatusBadGateway, "The runs could not be read. Try again in a moment.")
		return
	}
	q := url.Values{"project": {f.Project}, "branch": {f.Branch}, "status": {f.Status}}
	d := runsData{Filter: f, Runs: runs, Statuses: filterStatuses(), Query: q.Encode()}
	if _, starts := p.builds.(BuildStarter); starts {
		if _, signedIn := p.user(c); signedIn {
			seen := map[string]bool{}
			for _, r := range runs {
				if !seen[r.Project] && p.mayBuild(c.Request.Context(), r.Project) {
					d.Buildable = append(d.Buildable, r.Project)
				}
				seen[r.Project] = true
			}
		}
	}
	p.render(c, http.StatusOK, "runs", "Runs", d)
}

func (p *Pages) runsEvents(c *gin.Context) {
	f := readRunsFilter(c)
	p.stream(c, func(ctx context.Context) (any, error) { return p.runs(ctx, f) }, nil)
}

// buildRef is how the runs list names a build: its short commit, and the
// key of its inputs when they are not the defaults ("4f0c1a2b3c4d/9e8f7a6b5c4d").
func buildRef(id, project, commit string) string {
	if key := contracts.BuildInputsKey(id, project, commit); key != "" {
		return short(commit) + "/" + key
	}
	return short(commit)
}
