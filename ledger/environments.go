package ledger

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Environments answers "what version is where": for every (project, environment)
// with a deployment whose result is deployed (a rollback that ended deployed
// included), the latest such one by finished_at, with its version, since (its
// finished_at), promotion, actor, and the version deployed before it. A project
// of "" means every project. Environments never deployed to successfully are
// left out. The result is ordered by project, then by the order the
// project's pipeline walks its environments (EnvironmentOrder), with
// environments that order does not name after them by name.
func (l *Ledger) Environments(ctx context.Context, project string) ([]EnvironmentStatus, error) {
	where := "result = ? AND finished_at IS NOT NULL"
	args := []any{ResultDeployed}
	if project != "" {
		where += " AND project = ?"
		args = append(args, project)
	}
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT project, environment, version, finished_at, promotion_id, actor, previous_version, artifacts
		FROM (
			SELECT project, environment, version, finished_at, promotion_id, actor, previous_version, artifacts,
				ROW_NUMBER() OVER (PARTITION BY project, environment
					ORDER BY finished_at DESC, started_at DESC, promotion_id DESC, run_id DESC) AS n
			FROM deployments WHERE `+where+`
		) latest
		WHERE n = 1
		ORDER BY project, environment`), args...)
	if err != nil {
		return nil, fmt.Errorf("list environments of %q: %w", project, err)
	}
	defer rows.Close()
	var out []EnvironmentStatus
	for rows.Next() {
		var s EnvironmentStatus
		var since dbTime
		var arts string
		err := rows.Scan(&s.Project, &s.Environment, &s.Version, &since, &s.PromotionID, &s.Actor, &s.PreviousVersion, &arts)
		if err != nil {
			return nil, fmt.Errorf("list environments of %q: %w", project, err)
		}
		if s.Artifacts, err = decodeDeployedArtifacts(arts); err != nil {
			return nil, fmt.Errorf("list environments of %q: %s/%s: %w", project, s.Project, s.Environment, err)
		}
		s.Since = since.Time
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list environments of %q: %w", project, err)
	}
	rows.Close()
	if err := l.inPipelineOrder(ctx, out); err != nil {
		return nil, fmt.Errorf("list environments of %q: %w", project, err)
	}
	return out, nil
}

// inPipelineOrder sorts statuses, already ordered by project and name,
// into each project's pipeline order.
func (l *Ledger) inPipelineOrder(ctx context.Context, statuses []EnvironmentStatus) error {
	for start := 0; start < len(statuses); {
		end := start
		for end < len(statuses) && statuses[end].Project == statuses[start].Project {
			end++
		}
		order, err := l.EnvironmentOrder(ctx, statuses[start].Project)
		if err != nil {
			return err
		}
		pos := func(env string) int {
			if i := slices.Index(order, env); i >= 0 {
				return i
			}
			return len(order)
		}
		slices.SortStableFunc(statuses[start:end], func(a, b EnvironmentStatus) int {
			return cmp.Compare(pos(a.Environment), pos(b.Environment))
		})
		start = end
	}
	return nil
}

// EnvironmentHistory returns the deployments to one environment of a project
// whatever their result, newest first (started_at descending; a rollback comes
// before the deploy it undid when both started at once). limit 0 means
// DefaultLimit and is capped at MaxLimit.
func (l *Ledger) EnvironmentHistory(ctx context.Context, project, environment string, limit int) ([]Deployment, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT promotion_id, run_id, project, environment, version, is_rollback, result, actor,
			previous_version, outputs, started_at, finished_at, kind, artifacts
		FROM deployments WHERE project = ? AND environment = ?
		ORDER BY started_at DESC, is_rollback DESC, promotion_id, run_id LIMIT ?`),
		project, environment, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list history of %s/%s: %w", project, environment, err)
	}
	defer rows.Close()
	var out []Deployment
	for rows.Next() {
		var d Deployment
		var outputs, arts string
		var started, finished dbTime
		err := rows.Scan(&d.PromotionID, &d.RunID, &d.Project, &d.Environment, &d.Version, &d.Rollback,
			&d.Result, &d.Actor, &d.PreviousVersion, &outputs, &started, &finished, &d.Kind, &arts)
		if err != nil {
			return nil, fmt.Errorf("list history of %s/%s: %w", project, environment, err)
		}
		if d.Artifacts, err = decodeDeployedArtifacts(arts); err != nil {
			return nil, fmt.Errorf("list history of %s/%s: deployment %s run %s: %w",
				project, environment, d.PromotionID, d.RunID, err)
		}
		if d.Outputs, err = decodeOutputs(outputs); err != nil {
			return nil, fmt.Errorf("list history of %s/%s: deployment %s run %s: %w",
				project, environment, d.PromotionID, d.RunID, err)
		}
		d.StartedAt, d.FinishedAt = started.Time, finished.Ptr()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list history of %s/%s: %w", project, environment, err)
	}
	return out, nil
}
