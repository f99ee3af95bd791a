package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// validate checks the fields every promotion record needs.
func (p Promotion) validate() error {
	switch {
	case p.ID == "":
		return errors.New("promotion id is empty")
	case p.RunID == "":
		return errors.New("promotion run id is empty")
	case p.Project == "":
		return errors.New("promotion project is empty")
	case p.Version == "":
		return errors.New("promotion version is empty")
	}
	return nil
}

// RecordPromotion upserts a promotion run keyed by (ID, RunID), recording its
// project if new. An empty Status means running and a zero StartedAt means now.
// Recording it again updates only its status and finished_at, and a finished
// promotion (any status but running) never goes back to running. A finished one
// with a nil FinishedAt gets now, unless it already has one, so recording the
// same outcome twice leaves the same row.
func (l *Ledger) RecordPromotion(ctx context.Context, p Promotion) error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("record promotion: %w", err)
	}
	if p.Status == "" {
		p.Status = StatusRunning
	}
	if p.StartedAt.IsZero() {
		p.StartedAt = l.now()
	}
	finishedAt := "excluded.finished_at"
	if p.FinishedAt == nil {
		finishedAt = "COALESCE(promotions.finished_at, excluded.finished_at)"
		if p.Status != StatusRunning {
			now := l.now()
			p.FinishedAt = &now
		}
	}
	envs, err := encodeNames(p.Environments)
	if err != nil {
		return fmt.Errorf("record promotion %s run %s: %w", p.ID, p.RunID, err)
	}
	err = l.inTx(ctx, func(tx *sql.Tx) error {
		if err := l.upsertProject(ctx, tx, p.Project, ""); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, l.rebind(`
			INSERT INTO promotions (id, run_id, project, version, commit_sha, branch, build_id,
				triggered_by, status, started_at, finished_at, environments, kind, reason, of_promotion)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id, run_id) DO UPDATE SET
				status = excluded.status,
				finished_at = `+finishedAt+`,
				environments = CASE WHEN excluded.environments <> '' THEN excluded.environments ELSE promotions.environments END
			WHERE promotions.status = 'running' OR excluded.status <> 'running'`),
			p.ID, p.RunID, p.Project, p.Version, p.Commit, p.Branch, p.BuildID,
			p.TriggeredBy, p.Status, l.timeArg(p.StartedAt), l.timePtrArg(p.FinishedAt), envs,
			p.Kind, clipText(p.Reason, maxReason), p.Of)
		if err != nil {
			return fmt.Errorf("upsert promotion: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record promotion %s run %s: %w", p.ID, p.RunID, err)
	}
	return nil
}

const promotionColumns = `id, run_id, project, version, commit_sha, branch, build_id,
	triggered_by, status, started_at, finished_at, environments, kind, reason, of_promotion`

func scanPromotion(row rowScanner) (Promotion, error) {
	var p Promotion
	var started, finished dbTime
	var envs string
	err := row.Scan(&p.ID, &p.RunID, &p.Project, &p.Version, &p.Commit, &p.Branch, &p.BuildID,
		&p.TriggeredBy, &p.Status, &started, &finished, &envs, &p.Kind, &p.Reason, &p.Of)
	if err != nil {
		return Promotion{}, err
	}
	p.StartedAt, p.FinishedAt = started.Time, finished.Ptr()
	if p.Environments, err = decodeNames(envs); err != nil {
		return Promotion{}, fmt.Errorf("promotion %s run %s: environments: %w", p.ID, p.RunID, err)
	}
	return p, nil
}

// encodeNames stores a list of names as a JSON array; none is "".
func encodeNames(names []string) (string, error) {
	if len(names) == 0 {
		return "", nil
	}
	b, err := json.Marshal(names)
	return string(b), err
}

func decodeNames(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var names []string
	err := json.Unmarshal([]byte(s), &names)
	return names, err
}

// EnvironmentOrder returns the environments of project in the order its
// pipeline walks them, as the project's latest recorded promotion named
// them; nil when no promotion recorded them.
func (l *Ledger) EnvironmentOrder(ctx context.Context, project string) ([]string, error) {
	var envs string
	err := l.db.QueryRowContext(ctx, l.rebind(`
		SELECT environments FROM promotions WHERE project = ? AND environments <> ''
		ORDER BY started_at DESC, id DESC, run_id DESC LIMIT 1`), project).Scan(&envs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("environment order of %s: %w", project, err)
	}
	names, err := decodeNames(envs)
	if err != nil {
		return nil, fmt.Errorf("environment order of %s: %w", project, err)
	}
	return names, nil
}

// ListPromotions returns the promotion runs matching f, newest first
// (started_at descending, then id and run id ascending).
func (l *Ledger) ListPromotions(ctx context.Context, f PromotionFilter) ([]Promotion, error) {
	return promotionRuns.list(ctx, l, []columnFilter{{"project", f.Project}, {"status", f.Status}}, f.Limit, f.Offset)
}

// GetPromotion returns a promotion run. An empty runID selects the latest run
// of the promotion (by started_at). It returns an error wrapping ErrNotFound
// when there is no such promotion.
func (l *Ledger) GetPromotion(ctx context.Context, id, runID string) (Promotion, error) {
	return promotionRuns.get(ctx, l, id, runID)
}
