package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// validate checks the fields every deployment record needs.
func (d Deployment) validate() error {
	switch {
	case d.PromotionID == "":
		return errors.New("deployment promotion id is empty")
	case d.RunID == "":
		return errors.New("deployment run id is empty")
	case d.Project == "":
		return errors.New("deployment project is empty")
	case d.Environment == "":
		return errors.New("deployment environment is empty")
	case d.Version == "":
		return errors.New("deployment version is empty")
	}
	return nil
}

// RecordDeployment upserts a deployment keyed by (PromotionID, RunID,
// Environment, Rollback). An empty Result means ResultDeploying and a zero
// StartedAt means now. Recording it again updates its result, finished_at, and
// its actor, previous version and outputs when given; a deployment with a final
// result never goes back to deploying, though one final result may replace
// another (deployed, then rolled_back after a failed verification). A final
// result with a nil FinishedAt gets now, unless it already has one.
func (l *Ledger) RecordDeployment(ctx context.Context, d Deployment) error {
	if err := d.validate(); err != nil {
		return fmt.Errorf("record deployment: %w", err)
	}
	if d.Result == "" {
		d.Result = ResultDeploying
	}
	if d.StartedAt.IsZero() {
		d.StartedAt = l.now()
	}
	finishedAt := "excluded.finished_at"
	if d.FinishedAt == nil {
		finishedAt = "COALESCE(deployments.finished_at, excluded.finished_at)"
		if d.Result != ResultDeploying {
			now := l.now()
			d.FinishedAt = &now
		}
	}
	outputs, err := encodeOutputs(d.Outputs)
	if err != nil {
		return fmt.Errorf("record deployment %s of %s to %s: %w", d.Version, d.Project, d.Environment, err)
	}
	arts, err := l.deployedArtifacts(ctx, d.Project, d.Version)
	if err != nil {
		return fmt.Errorf("record deployment %s of %s to %s: %w", d.Version, d.Project, d.Environment, err)
	}
	_, err = l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO deployments (promotion_id, run_id, environment, is_rollback, project, version,
			result, actor, previous_version, outputs, started_at, finished_at, kind, artifacts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (promotion_id, run_id, environment, is_rollback) DO UPDATE SET
			result = excluded.result,
			actor = CASE WHEN excluded.actor <> '' THEN excluded.actor ELSE deployments.actor END,
			previous_version = CASE WHEN excluded.previous_version <> ''
				THEN excluded.previous_version ELSE deployments.previous_version END,
			outputs = CASE WHEN excluded.outputs <> '{}' THEN excluded.outputs ELSE deployments.outputs END,
			artifacts = CASE WHEN deployments.artifacts = '' THEN excluded.artifacts ELSE deployments.artifacts END,
			finished_at = `+finishedAt+`
		WHERE deployments.result = 'deploying' OR excluded.result <> 'deploying'`),
		d.PromotionID, d.RunID, d.Environment, d.Rollback, d.Project, d.Version,
		d.Result, d.Actor, d.PreviousVersion, outputs, l.timeArg(d.StartedAt), l.timePtrArg(d.FinishedAt), d.Kind, arts)
	if err != nil {
		return fmt.Errorf("record deployment %s of %s to %s by %s run %s: %w",
			d.Version, d.Project, d.Environment, d.PromotionID, d.RunID, err)
	}
	return nil
}

// encodeOutputs is the JSON text stored for outputs: "{}" when there are none.
func encodeOutputs(outputs map[string]string) (string, error) {
	if len(outputs) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(outputs)
	if err != nil {
		return "", fmt.Errorf("encode outputs: %w", err)
	}
	return string(b), nil
}

// decodeOutputs reads stored outputs; none reads back as nil.
func decodeOutputs(text string) (map[string]string, error) {
	if text == "" || text == "{}" {
		return nil, nil
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return nil, fmt.Errorf("decode outputs: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// deployedArtifacts is the JSON text stored on a deployment of version:
// its artifacts with their sources, in their order; "" when it has none.
func (l *Ledger) deployedArtifacts(ctx context.Context, project, version string) (string, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT name, source_repository, source_version FROM artifacts
		WHERE project = ? AND version = ? ORDER BY position`), project, version)
	if err != nil {
		return "", fmt.Errorf("read artifacts of %s: %w", version, err)
	}
	defer rows.Close()
	var arts []DeployedArtifact
	for rows.Next() {
		var a DeployedArtifact
		if err := rows.Scan(&a.Name, &a.SourceRepository, &a.SourceVersion); err != nil {
			return "", fmt.Errorf("read artifacts of %s: %w", version, err)
		}
		arts = append(arts, a)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("read artifacts of %s: %w", version, err)
	}
	if len(arts) == 0 {
		return "", nil
	}
	b, err := json.Marshal(arts)
	if err != nil {
		return "", fmt.Errorf("encode artifacts of %s: %w", version, err)
	}
	return string(b), nil
}

// decodeDeployedArtifacts reads what deployedArtifacts stored.
func decodeDeployedArtifacts(text string) ([]DeployedArtifact, error) {
	if text == "" {
		return nil, nil
	}
	var arts []DeployedArtifact
	if err := json.Unmarshal([]byte(text), &arts); err != nil {
		return nil, fmt.Errorf("decode artifacts: %w", err)
	}
	return arts, nil
}
