package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// How a build came to have an upstream build (Build.UpstreamKind).
const (
	// UpstreamPush: the upstream build's push step made the build's commit.
	UpstreamPush = "push"
	// UpstreamTrigger: the upstream build's success started the build
	// (triggers.upstream of its drover.yaml).
	UpstreamTrigger = "trigger"
)

// ChainPush is a commit a push step of a build made on another project's
// branch, keyed by (TargetProject, Commit).
type ChainPush struct {
	TargetProject string    `json:"target_project"`
	Commit        string    `json:"commit"`
	Repository    string    `json:"repository"`
	Branch        string    `json:"branch"`
	Parent        string    `json:"parent"`
	SourceProject string    `json:"source_project"`
	SourceBuildID string    `json:"source_build_id"`
	SourceRunID   string    `json:"source_run_id"`
	SourceCommit  string    `json:"source_commit"`
	Step          string    `json:"step"` // "<stage>/<task>/<step>"
	PushedAt      time.Time `json:"pushed_at"`
}

// RecordChainPush records p; recording it again changes nothing.
func (l *Ledger) RecordChainPush(ctx context.Context, p ChainPush) error {
	if p.TargetProject == "" || p.Commit == "" || p.SourceBuildID == "" {
		return errors.New("record chain push: target project, commit and source build are required")
	}
	if p.PushedAt.IsZero() {
		p.PushedAt = l.now()
	}
	_, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO chain_pushes (target_project, commit_sha, repository, branch, parent_sha, source_project,
			source_build_id, source_run_id, source_commit, step, pushed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (target_project, commit_sha) DO NOTHING`),
		p.TargetProject, p.Commit, p.Repository, p.Branch, p.Parent, p.SourceProject,
		p.SourceBuildID, p.SourceRunID, p.SourceCommit, p.Step, l.timeArg(p.PushedAt))
	if err != nil {
		return fmt.Errorf("record chain push to %s at %s: %w", p.TargetProject, p.Commit, err)
	}
	return nil
}

const chainPushColumns = `target_project, commit_sha, repository, branch, parent_sha, source_project,
	source_build_id, source_run_id, source_commit, step, pushed_at`

func scanChainPush(row rowScanner) (ChainPush, error) {
	var p ChainPush
	var at dbTime
	err := row.Scan(&p.TargetProject, &p.Commit, &p.Repository, &p.Branch, &p.Parent, &p.SourceProject,
		&p.SourceBuildID, &p.SourceRunID, &p.SourceCommit, &p.Step, &at)
	p.PushedAt = at.Time
	return p, err
}

// chainPushOfQuery reads the push of a commit to a project (the API reads
// it with the commit's credit, commitOriginQuery).
const chainPushOfQuery = `SELECT ` + chainPushColumns + `
		FROM chain_pushes WHERE target_project = ? AND commit_sha = ?`

// ChainPushOf returns the push step that made commit of project; an error
// wrapping ErrNotFound when no push step made it.
func (l *Ledger) ChainPushOf(ctx context.Context, project, commit string) (ChainPush, error) {
	p, err := scanChainPush(l.queryRow(ctx, chainPushOfQuery, project, commit))
	if errors.Is(err, sql.ErrNoRows) {
		return ChainPush{}, fmt.Errorf("chain push to %s at %s: %w", project, commit, ErrNotFound)
	}
	if err != nil {
		return ChainPush{}, fmt.Errorf("chain push to %s at %s: %w", project, commit, err)
	}
	return p, nil
}

// ChainPushesFrom returns the pushes the steps of build id made, oldest first.
func (l *Ledger) ChainPushesFrom(ctx context.Context, id string) ([]ChainPush, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`SELECT `+chainPushColumns+`
		FROM chain_pushes WHERE source_build_id = ? ORDER BY pushed_at, target_project, commit_sha`), id)
	if err != nil {
		return nil, fmt.Errorf("chain pushes of %s: %w", id, err)
	}
	defer rows.Close()
	var out []ChainPush
	for rows.Next() {
		p, err := scanChainPush(rows)
		if err != nil {
			return nil, fmt.Errorf("chain pushes of %s: %w", id, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DownstreamBuilds returns the latest run of each build whose upstream is
// build id, by id: a build whose latest run has another upstream is left
// out. One query: the runs with that upstream that no later run of their
// build follows.
func (l *Ledger) DownstreamBuilds(ctx context.Context, id string) ([]Build, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`SELECT `+buildColumns+` FROM builds b
		WHERE b.upstream_build_id = ? AND NOT EXISTS (SELECT 1 FROM builds n WHERE n.id = b.id
			AND (n.started_at > b.started_at OR (n.started_at = b.started_at AND n.run_id > b.run_id)))
		ORDER BY b.id`), id)
	if err != nil {
		return nil, fmt.Errorf("downstream builds of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Build
	for rows.Next() {
		b, err := scanBuild(rows)
		if err != nil {
			return nil, fmt.Errorf("downstream builds of %s: %w", id, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("downstream builds of %s: %w", id, err)
	}
	return out, nil
}

// BuildOfCommit returns the latest build of project whose commit starts
// with commit (at least 7 characters); an error wrapping ErrNotFound when
// there is none.
func (l *Ledger) BuildOfCommit(ctx context.Context, project, commit string) (Build, error) {
	if len(commit) < 7 {
		return Build{}, fmt.Errorf("build of %s at %q: a commit needs 7 characters or more: %w", project, commit, ErrNotFound)
	}
	b, err := scanBuild(l.db.QueryRowContext(ctx, l.rebind(`SELECT `+buildColumns+` FROM builds
		WHERE project = ? AND commit_sha LIKE ? ORDER BY started_at DESC, run_id DESC LIMIT 1`), project, commit+"%"))
	if errors.Is(err, sql.ErrNoRows) {
		return Build{}, fmt.Errorf("build of %s at %s: %w", project, commit, ErrNotFound)
	}
	if err != nil {
		return Build{}, fmt.Errorf("build of %s at %s: %w", project, commit, err)
	}
	return b, nil
}

// TraceLink is one build of a chain, as Trace answers it.
type TraceLink struct {
	// Depth is the build's place in the chain: 0 for the build asked
	// about, -1 for its upstream build, 1 for its downstream builds, …
	Depth       int    `json:"depth"`
	Project     string `json:"project"`
	BuildID     string `json:"build_id"`
	Commit      string `json:"commit"`
	Branch      string `json:"branch,omitempty"`
	Status      string `json:"status"`
	Version     string `json:"version,omitempty"`
	TriggeredBy string `json:"triggered_by,omitempty"`
	// UpstreamBuildID and UpstreamKind: as Build's.
	UpstreamBuildID string `json:"upstream_build_id,omitempty"`
	UpstreamKind    string `json:"upstream_kind,omitempty"`
	// Deployed lists the environments the version was deployed to.
	Deployed []TraceDeployment `json:"deployed,omitempty"`
}

// TraceDeployment is an environment a version of a chain was deployed to:
// when it last was, and whether it is still the environment's version.
type TraceDeployment struct {
	Environment string    `json:"environment"`
	At          time.Time `json:"at"`
	Current     bool      `json:"current"`
}

// MaxTraceLinks bounds the builds one Trace returns.
const MaxTraceLinks = 200

// Trace answers "which commit is in which build, version and deploy" for
// the chain through build id: its upstream builds up to the first, then
// the build, then every build downstream of it, breadth first; each with
// the environments its version was deployed to. An error wrapping
// ErrNotFound when the ledger has no such build.
func (l *Ledger) Trace(ctx context.Context, id string) ([]TraceLink, error) {
	start, err := buildRuns.get(ctx, l, id, "")
	if err != nil {
		return nil, fmt.Errorf("trace %s: %w", id, err)
	}
	seen := map[string]bool{start.ID: true}
	links := []TraceLink{traceLink(start, 0)}
	for b, depth := start, -1; b.UpstreamBuildID != "" && !seen[b.UpstreamBuildID] && len(links) < MaxTraceLinks; depth-- {
		up, err := buildRuns.get(ctx, l, b.UpstreamBuildID, "")
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("trace %s: %w", id, err)
		}
		seen[up.ID] = true
		links = append(links, traceLink(up, depth))
		b = up
	}
	slices.Reverse(links)
	for i := len(links) - 1; i < len(links) && len(links) < MaxTraceLinks; i++ {
		down, err := l.DownstreamBuilds(ctx, links[i].BuildID)
		if err != nil {
			return nil, fmt.Errorf("trace %s: %w", id, err)
		}
		for _, d := range down {
			if !seen[d.ID] {
				seen[d.ID] = true
				links = append(links, traceLink(d, links[i].Depth+1))
			}
		}
	}
	current := map[string]map[string]string{} // project → environment → version
	for i := range links {
		if err := l.traceDeployments(ctx, &links[i], current); err != nil {
			return nil, fmt.Errorf("trace %s: %w", id, err)
		}
	}
	return links, nil
}

func traceLink(b Build, depth int) TraceLink {
	return TraceLink{Depth: depth, Project: b.Project, BuildID: b.ID, Commit: b.Commit, Branch: b.Branch,
		Status: b.Status, Version: b.Version, TriggeredBy: b.TriggeredBy,
		UpstreamBuildID: b.UpstreamBuildID, UpstreamKind: b.UpstreamKind}
}

// traceDeployments fills link's Deployed; current caches the versions
// each environment of a project runs.
func (l *Ledger) traceDeployments(ctx context.Context, link *TraceLink, current map[string]map[string]string) error {
	if link.Version == "" {
		return nil
	}
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT environment, MAX(finished_at) FROM deployments
		WHERE project = ? AND version = ? AND result = ? AND finished_at IS NOT NULL
		GROUP BY environment ORDER BY environment`), link.Project, link.Version, ResultDeployed)
	if err != nil {
		return fmt.Errorf("deployments of %s %s: %w", link.Project, link.Version, err)
	}
	for rows.Next() {
		var d TraceDeployment
		var at dbTime
		if err := rows.Scan(&d.Environment, &at); err != nil {
			rows.Close()
			return fmt.Errorf("deployments of %s %s: %w", link.Project, link.Version, err)
		}
		d.At = at.Time
		link.Deployed = append(link.Deployed, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(link.Deployed) == 0 {
		return err
	}
	envs, ok := current[link.Project]
	if !ok {
		statuses, err := l.Environments(ctx, link.Project)
		if err != nil {
			return err
		}
		envs = map[string]string{}
		for _, s := range statuses {
			envs[s.Environment] = s.Version
		}
		current[link.Project] = envs
	}
	for i := range link.Deployed {
		link.Deployed[i].Current = envs[link.Deployed[i].Environment] == link.Version
	}
	return nil
}
