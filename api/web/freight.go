package web

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// Bounds of the environments page: how many versions each project's grid
// shows, and how far back each environment's history is read for them.
const (
	freightVersions   = 8
	freightHistory    = 30
	freightLiveStates = 20
	freightLiveWait   = 2 * time.Second
)

// liveEnvStates are the states of an environment a running promotion is
// in or waits in: the grid shows them on the version's row.
var liveEnvStates = []string{workflows.EnvAwaitingSoak, workflows.EnvAwaitingWindow, workflows.EnvAwaitingApproval,
	workflows.EnvQueued, workflows.EnvFrozen, workflows.EnvDeploying, workflows.EnvVerifying, workflows.EnvRollingBack}

// freight is one project's versions × environments, as Kargo's freight
// timeline shows them: the newest versions first, environments in the order
// the project's pipeline walks them, each cell what happened to that version
// there (deployed now, deployed before, failed, rolled back, deploying,
// awaiting approval).
type freight struct {
	Project      string
	Environments []string
	Rows         []freightRow
	// Frozen are the project's frozen environments, by name.
	Frozen map[string]*ledger.Freeze
	// Artifacts is what is where per artifact, for a project whose
	// versions carry several artifacts built apart: one row per artifact,
	// the source version of it each environment runs now.
	Artifacts []artifactRow
}

// artifactRow is one artifact of a project and the source version of it
// each environment of the grid runs ("" where it runs none).
type artifactRow struct {
	Name     string
	Versions []string
}

// FreezeLister lists the environments frozen now; the API's page ledger
// implements it on the Ledger passed to New.
type FreezeLister interface {
	ListFreezes(ctx context.Context, project string) ([]ledger.Freeze, error)
}

// freightRow is one version of a project.
type freightRow struct {
	Version     string
	PromotionID string // its latest promotion, if known
	InFlight    bool   // a promotion of it is running
	Cells       []freightCell
	// Artifacts are the version's artifacts with their sources, as a
	// deployment of it recorded them.
	Artifacts []ledger.DeployedArtifact
	latest    time.Time
}

// freightCell is one version in one environment.
type freightCell struct {
	Environment string
	// State is empty (never there), a deployment's result (deployed,
	// failed, rolled_back, deploying, ...) or awaiting-approval.
	State string
	// Current: the environment runs this version now.
	Current  bool
	Rollback bool
	Actor    string
	At       *time.Time
	// Detail says on what a running promotion waits (a freeze's reason, ...).
	Detail string
}

// liveStates asks the promotions ids for their state at once, within
// freightLiveWait; the state of one that did not answer is nil.
func (p *Pages) liveStates(ctx context.Context, ids []string) []*workflows.PromotionState {
	out := make([]*workflows.PromotionState, len(ids))
	if p.promotions == nil || len(ids) == 0 {
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, freightLiveWait)
	defer cancel()
	var wg sync.WaitGroup
	for k, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st, err := p.promotions.State(ctx, id, ""); err == nil {
				out[k] = &st
			}
		}()
	}
	wg.Wait()
	return out
}

// freights builds the grids of every project the signed-in user may read
// that has deployed or is promoting something (or only of project).
func (p *Pages) freights(ctx context.Context, project string) ([]freight, error) {
	statuses, err := p.ledger.Environments(ctx, project)
	if err != nil {
		return nil, fmt.Errorf("list environments: %w", err)
	}
	running, err := p.ledger.ListPromotions(ctx, ledger.PromotionFilter{Project: project, Status: ledger.StatusRunning, Limit: 200})
	if err != nil {
		return nil, fmt.Errorf("list running promotions: %w", err)
	}
	var projects []string
	for _, s := range statuses {
		projects = append(projects, s.Project)
	}
	for _, pr := range running {
		projects = append(projects, pr.Project)
	}
	sort.Strings(projects)
	projects = slices.Compact(projects)
	var freezes []ledger.Freeze
	if fl, ok := p.ledger.(FreezeLister); ok {
		if freezes, err = fl.ListFreezes(ctx, project); err != nil {
			return nil, fmt.Errorf("list freezes: %w", err)
		}
	}
	out := make([]freight, 0, len(projects))
	for _, name := range projects {
		f, err := p.freight(ctx, name, statuses, running)
		if err != nil {
			return nil, err
		}
		for i := range freezes {
			if freezes[i].Project == name {
				if f.Frozen == nil {
					f.Frozen = map[string]*ledger.Freeze{}
				}
				f.Frozen[freezes[i].Environment] = &freezes[i]
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func (p *Pages) freight(ctx context.Context, project string, statuses []ledger.EnvironmentStatus,
	running []ledger.Promotion) (freight, error) {
	f := freight{Project: project}
	order, err := p.ledger.EnvironmentOrder(ctx, project)
	if err != nil {
		return f, fmt.Errorf("environment order of %s: %w", project, err)
	}
	current := map[string]string{} // environment → version running there
	envs := slices.Clone(order)
	for _, s := range statuses {
		if s.Project != project {
			continue
		}
		current[s.Environment] = s.Version
		if !slices.Contains(envs, s.Environment) {
			envs = append(envs, s.Environment) // deployed by a promotion that recorded no order
		}
	}
	f.Environments = envs
	f.Artifacts = artifactsWhere(project, envs, statuses)

	rows := map[string]*freightRow{}
	row := func(version string, at time.Time) *freightRow {
		r := rows[version]
		if r == nil {
			r = &freightRow{Version: version, Cells: make([]freightCell, len(envs))}
			for i, e := range envs {
				r.Cells[i].Environment = e
			}
			rows[version] = r
		}
		if at.After(r.latest) {
			r.latest = at
		}
		return r
	}
	for i, env := range envs {
		history, err := p.ledger.EnvironmentHistory(ctx, project, env, freightHistory)
		if err != nil {
			return f, fmt.Errorf("history of %s/%s: %w", project, env, err)
		}
		for _, d := range history { // newest first: the first seen of a version is its latest
			r := row(d.Version, d.StartedAt)
			if r.PromotionID == "" {
				r.PromotionID = d.PromotionID
			}
			if r.Artifacts == nil {
				r.Artifacts = d.Artifacts
			}
			c := &r.Cells[i]
			if c.State != "" {
				continue
			}
			c.State, c.Rollback, c.Actor = d.Result, d.Rollback, d.Actor
			c.At = d.FinishedAt
			if c.At == nil {
				at := d.StartedAt
				c.At = &at
			}
			c.Current = d.Result == ledger.ResultDeployed && current[env] == d.Version
		}
	}
	var live []*freightRow
	var ids []string
	for _, pr := range running {
		if pr.Project != project {
			continue
		}
		r := row(pr.Version, pr.StartedAt)
		r.InFlight, r.PromotionID = true, pr.ID
		if len(ids) < freightLiveStates {
			live, ids = append(live, r), append(ids, pr.ID)
		}
	}
	// Where each is and on what it waits, from the promotion itself: one
	// query each, asked together and given freightLiveWait in all, so that
	// promotions without a worker to answer cannot hold the page.
	for k, st := range p.liveStates(ctx, ids) {
		if st == nil {
			continue // a promotion that did not answer shows as in flight only
		}
		for _, es := range st.Environments {
			i := slices.Index(envs, es.Name)
			if i < 0 || !slices.Contains(liveEnvStates, es.State) {
				continue
			}
			if c := &live[k].Cells[i]; c.State == "" || c.State == ledger.ResultDeploying {
				c.State, c.Detail = es.State, es.Detail
			}
		}
	}
	// The gates waiting on the versions shown: read for those alone, not
	// every gate of every project (10,000 waiting took about 90 ms to read).
	pending, err := p.ledger.PendingApprovalsOf(ctx, project, slices.Sorted(maps.Keys(rows)))
	if err != nil {
		return f, fmt.Errorf("pending approvals of %s: %w", project, err)
	}
	for _, a := range pending {
		r := rows[a.Version]
		i := slices.Index(envs, a.Environment)
		if r == nil || i < 0 {
			continue
		}
		if c := &r.Cells[i]; c.State == "" || c.State == ledger.ResultDeploying {
			since := a.WaitingSince
			c.State, c.At = "awaiting-approval", &since
		}
	}
	for _, r := range rows {
		f.Rows = append(f.Rows, *r)
	}
	sort.SliceStable(f.Rows, func(i, j int) bool {
		if !f.Rows[i].latest.Equal(f.Rows[j].latest) {
			return f.Rows[i].latest.After(f.Rows[j].latest)
		}
		return f.Rows[i].Version > f.Rows[j].Version
	})
	if len(f.Rows) > freightVersions {
		f.Rows = f.Rows[:freightVersions]
	}
	return f, nil
}

// artifactsWhere is what is where per artifact of project: for each
// artifact the environments' deployments name, in their order, the source
// version each of envs runs now. Nil when no deployment names one with a
// source version, so single-artifact projects show no such table.
func artifactsWhere(project string, envs []string, statuses []ledger.EnvironmentStatus) []artifactRow {
	var out []artifactRow
	sourced := false
	for _, s := range statuses {
		if s.Project != project {
			continue
		}
		i := slices.Index(envs, s.Environment)
		for _, a := range s.Artifacts {
			k := slices.IndexFunc(out, func(r artifactRow) bool { return r.Name == a.Name })
			if k < 0 {
				out, k = append(out, artifactRow{Name: a.Name, Versions: make([]string, len(envs))}), len(out)
			}
			if i >= 0 {
				out[k].Versions[i] = a.SourceVersion
			}
			sourced = sourced || a.SourceVersion != ""
		}
	}
	if !sourced {
		return nil
	}
	return out
}
