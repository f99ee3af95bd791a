package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// RecordArtifactVersion stores a version and its artifacts keyed by (Project,
// Version), recording the project if it is new. It is idempotent: when the version
// is already recorded it changes nothing and returns nil, whatever v holds.
// A zero CreatedAt means now.
func (l *Ledger) RecordArtifactVersion(ctx context.Context, v ArtifactVersion) error {
	if v.Project == "" || v.Version == "" {
		return fmt.Errorf("record artifact version %q of project %q: project and version must be set", v.Version, v.Project)
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = l.now()
	}
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		if err := l.upsertProject(ctx, tx, v.Project, ""); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, l.rebind(`
			INSERT INTO artifact_versions (project, version, commit_sha, branch, build_id, run_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (project, version) DO NOTHING`),
			v.Project, v.Version, v.Commit, v.Branch, v.BuildID, v.RunID, l.timeArg(v.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert version: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("insert version: %w", err)
		} else if n == 0 {
			return nil // already recorded: its artifacts are too
		}
		for i, a := range v.Artifacts {
			_, err := tx.ExecContext(ctx, l.rebind(`
				INSERT INTO artifacts (project, version, position, name, path, blob_key, sha256, size)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
				v.Project, v.Version, i, a.Name, a.Path, a.Key, a.SHA256, a.Size)
			if err != nil {
				return fmt.Errorf("insert artifact %s: %w", a.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record artifact version %s of %s: %w", v.Version, v.Project, err)
	}
	return nil
}

const versionColumns = `project, version, commit_sha, branch, build_id, run_id, created_at`

func scanVersion(row rowScanner) (ArtifactVersion, error) {
	var v ArtifactVersion
	var created dbTime
	if err := row.Scan(&v.Project, &v.Version, &v.Commit, &v.Branch, &v.BuildID, &v.RunID, &created); err != nil {
		return ArtifactVersion{}, err
	}
	v.CreatedAt = created.Time
	return v, nil
}

// GetArtifactVersion returns a version and its artifacts, or an error wrapping
// ErrNotFound.
func (l *Ledger) GetArtifactVersion(ctx context.Context, project, version string) (ArtifactVersion, error) {
	row := l.db.QueryRowContext(ctx, l.rebind("SELECT "+versionColumns+
		" FROM artifact_versions WHERE project = ? AND version = ?"), project, version)
	v, err := scanVersion(row)
	if errors.Is(err, sql.ErrNoRows) {
		return ArtifactVersion{}, fmt.Errorf("get artifact version %s of %s: %w", version, project, ErrNotFound)
	}
	if err != nil {
		return ArtifactVersion{}, fmt.Errorf("get artifact version %s of %s: %w", version, project, err)
	}
	vs := []ArtifactVersion{v}
	if err := l.loadArtifacts(ctx, vs); err != nil {
		return ArtifactVersion{}, err
	}
	return vs[0], nil
}

// ListArtifactVersions returns the versions of a project with their artifacts,
// newest first (created_at descending, then version descending). limit 0 means
// DefaultLimit and is capped at MaxLimit.
func (l *Ledger) ListArtifactVersions(ctx context.Context, project string, limit int) ([]ArtifactVersion, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind("SELECT "+versionColumns+
		" FROM artifact_versions WHERE project = ? ORDER BY created_at DESC, version DESC LIMIT ?"),
		project, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list artifact versions of %s: %w", project, err)
	}
	defer rows.Close()
	var out []ArtifactVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("list artifact versions of %s: %w", project, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list artifact versions of %s: %w", project, err)
	}
	if err := l.loadArtifacts(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// loadArtifacts fills the Artifacts of versions, which all belong to one project,
// with one query.
func (l *Ledger) loadArtifacts(ctx context.Context, versions []ArtifactVersion) error {
	if len(versions) == 0 {
		return nil
	}
	project := versions[0].Project
	index := make(map[string]int, len(versions))
	args := []any{project}
	for i := range versions {
		versions[i].Artifacts = []Artifact{}
		index[versions[i].Version] = i
		args = append(args, versions[i].Version)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(versions)), ", ")
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT version, name, path, blob_key, sha256, size FROM artifacts
		WHERE project = ? AND version IN (`+marks+`) ORDER BY version, position`), args...)
	if err != nil {
		return fmt.Errorf("list artifacts of %s: %w", project, err)
	}
	defer rows.Close()
	for rows.Next() {
		var version string
		var a Artifact
		if err := rows.Scan(&version, &a.Name, &a.Path, &a.Key, &a.SHA256, &a.Size); err != nil {
			return fmt.Errorf("list artifacts of %s: %w", project, err)
		}
		i := index[version]
		versions[i].Artifacts = append(versions[i].Artifacts, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list artifacts of %s: %w", project, err)
	}
	return nil
}
