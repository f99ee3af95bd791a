package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// RecordArtifactVersion stores a version, its artifacts and its registrants
// (v.RegisteredBy: for a build's version, whoever triggered the build)
// keyed by (Project, Version), recording the project if it is new. It is
// idempotent: when the version is already recorded it changes nothing and
// returns nil, whatever v holds. A zero CreatedAt means now.
func (l *Ledger) RecordArtifactVersion(ctx context.Context, v ArtifactVersion) error {
	if v.Project == "" || v.Version == "" {
		return fmt.Errorf("record artifact version %q of project %q: project and version must be set", v.Version, v.Project)
	}
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		res, err := l.insertVersion(ctx, tx, &v)
		if err != nil {
			return fmt.Errorf("insert version: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("insert version: %w", err)
		} else if n == 0 {
			return nil // already recorded: its artifacts are too
		}
		for i, a := range v.Artifacts {
			if err := l.insertArtifact(ctx, tx, v.Project, v.Version, i, a); err != nil {
				return err
			}
		}
		return l.insertRegistrants(ctx, tx, v)
	})
	if err != nil {
		return fmt.Errorf("record artifact version %s of %s: %w", v.Version, v.Project, err)
	}
	return nil
}

// insertVersionQuery inserts a version unless it is there; see insertVersion.
const insertVersionQuery = `
		INSERT INTO artifact_versions (project, version, commit_sha, branch, build_id, run_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (project, version) DO NOTHING`

// insertVersion adds v's row (its project's too) unless the version is
// there; the result says which. A zero CreatedAt becomes now.
func (l *Ledger) insertVersion(ctx context.Context, tx *sql.Tx, v *ArtifactVersion) (sql.Result, error) {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = l.now()
	}
	if err := l.upsertProject(ctx, tx, v.Project, ""); err != nil {
		return nil, err
	}
	return l.exec(ctx, tx, insertVersionQuery,
		v.Project, v.Version, v.Commit, v.Branch, v.BuildID, v.RunID, l.timeArg(v.CreatedAt))
}

// placeholders is n "?" marks for an IN list, rebound per dialect.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// insertRegistrants adds v.RegisteredBy to the version's registrants.
func (l *Ledger) insertRegistrants(ctx context.Context, tx *sql.Tx, v ArtifactVersion) error {
	for _, actor := range v.RegisteredBy {
		if _, err := tx.ExecContext(ctx, l.rebind(`
			INSERT INTO artifact_registrants (project, version, actor) VALUES (?, ?, ?)
			ON CONFLICT (project, version, actor) DO NOTHING`), v.Project, v.Version, actor); err != nil {
			return fmt.Errorf("record registrant %s: %w", actor, err)
		}
	}
	return nil
}

func (l *Ledger) insertArtifact(ctx context.Context, tx *sql.Tx, project, version string, position int, a Artifact) error {
	_, err := tx.ExecContext(ctx, l.rebind(`
		INSERT INTO artifacts (project, version, position, name, path, blob_key, sha256, size,
			source_repository, source_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		project, version, position, a.Name, a.Path, a.Key, a.SHA256, a.Size, a.SourceRepository, a.SourceVersion)
	if err != nil {
		return fmt.Errorf("insert artifact %s: %w", a.Name, err)
	}
	return nil
}

// ErrVersionConflict is returned by AddArtifacts for a version recorded
// already for another commit, or an artifact recorded already with other
// content.
var ErrVersionConflict = errors.New("conflicts with what is recorded")

// AddArtifacts records the artifacts of v, built apart, into version v:
// the version is recorded as RecordArtifactVersion does when it is new;
// when it exists (for the same commit), each artifact it lacks is added
// after its others. An artifact it has already is left as it is when v's
// is the same, else the call changes nothing and returns an error wrapping
// ErrVersionConflict, as does a commit other than the version's. The names
// in v.RegisteredBy join the version's registrants. It returns the version
// with all its artifacts and registrants.
func (l *Ledger) AddArtifacts(ctx context.Context, v ArtifactVersion) (ArtifactVersion, error) {
	if v.Project == "" || v.Version == "" {
		return ArtifactVersion{}, fmt.Errorf("add artifacts to version %q of project %q: project and version must be set", v.Version, v.Project)
	}
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		_, err := l.insertVersion(ctx, tx, &v)
		if err != nil {
			return fmt.Errorf("insert version: %w", err)
		}
		// Artifacts of one version registered at once by several CIs: the
		// version's row, locked, serialises them on PostgreSQL (SQLite's
		// transactions are serial already).
		lock := ""
		if l.dialect == DialectPostgres {
			lock = " FOR UPDATE"
		}
		var commit string
		err = tx.QueryRowContext(ctx, l.rebind(`SELECT commit_sha FROM artifact_versions WHERE project = ? AND version = ?`+lock),
			v.Project, v.Version).Scan(&commit)
		if err != nil {
			return fmt.Errorf("read version: %w", err)
		}
		if commit != v.Commit {
			return fmt.Errorf("version %s is registered for commit %s, not %s: %w", v.Version, commit, v.Commit, ErrVersionConflict)
		}
		rows, err := tx.QueryContext(ctx, l.rebind(`
			SELECT position, name, path, blob_key, sha256, size, source_repository, source_version
			FROM artifacts WHERE project = ? AND version = ?`), v.Project, v.Version)
		if err != nil {
			return fmt.Errorf("read artifacts: %w", err)
		}
		have := map[string]Artifact{}
		next := 0
		for rows.Next() {
			var pos int
			var a Artifact
			if err := rows.Scan(&pos, &a.Name, &a.Path, &a.Key, &a.SHA256, &a.Size, &a.SourceRepository, &a.SourceVersion); err != nil {
				rows.Close()
				return fmt.Errorf("read artifacts: %w", err)
			}
			have[a.Name], next = a, max(next, pos+1)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read artifacts: %w", err)
		}
		for _, a := range v.Artifacts {
			old, ok := have[a.Name]
			switch {
			case ok && old != a:
				return fmt.Errorf("artifact %s is registered already with other content (source %s): %w",
					a.Name, sourceOf(old), ErrVersionConflict)
			case ok:
				continue
			}
			if err := l.insertArtifact(ctx, tx, v.Project, v.Version, next, a); err != nil {
				return err
			}
			have[a.Name] = a
			next++
		}
		return l.insertRegistrants(ctx, tx, v)
	})
	if err != nil {
		return ArtifactVersion{}, fmt.Errorf("add artifacts to version %s of %s: %w", v.Version, v.Project, err)
	}
	return l.GetArtifactVersion(ctx, v.Project, v.Version)
}

// sourceOf names where a was built from, for messages.
func sourceOf(a Artifact) string {
	switch {
	case a.SourceRepository != "" && a.SourceVersion != "":
		return a.SourceRepository + "@" + a.SourceVersion
	case a.SourceVersion != "":
		return a.SourceVersion
	case a.SourceRepository != "":
		return a.SourceRepository
	}
	return "unnamed"
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
	marks := placeholders(len(versions))
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT version, name, path, blob_key, sha256, size, source_repository, source_version FROM artifacts
		WHERE project = ? AND version IN (`+marks+`) ORDER BY version, position`), args...)
	if err != nil {
		return fmt.Errorf("list artifacts of %s: %w", project, err)
	}
	defer rows.Close()
	for rows.Next() {
		var version string
		var a Artifact
		if err := rows.Scan(&version, &a.Name, &a.Path, &a.Key, &a.SHA256, &a.Size, &a.SourceRepository, &a.SourceVersion); err != nil {
			return fmt.Errorf("list artifacts of %s: %w", project, err)
		}
		i := index[version]
		versions[i].Artifacts = append(versions[i].Artifacts, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list artifacts of %s: %w", project, err)
	}
	return l.loadRegistrants(ctx, versions, index, marks, args)
}

// loadRegistrants sets the RegisteredBy of versions (of one project, index
// by version, marks and args as loadArtifacts made them).
func (l *Ledger) loadRegistrants(ctx context.Context, versions []ArtifactVersion, index map[string]int, marks string, args []any) error {
	rows, err := l.db.QueryContext(ctx, l.rebind(`
		SELECT version, actor FROM artifact_registrants
		WHERE project = ? AND version IN (`+marks+`) ORDER BY version, actor`), args...)
	if err != nil {
		return fmt.Errorf("list registrants of %s: %w", versions[0].Project, err)
	}
	defer rows.Close()
	for rows.Next() {
		var version, actor string
		if err := rows.Scan(&version, &actor); err != nil {
			return fmt.Errorf("list registrants of %s: %w", versions[0].Project, err)
		}
		i := index[version]
		versions[i].RegisteredBy = append(versions[i].RegisteredBy, actor)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list registrants of %s: %w", versions[0].Project, err)
	}
	return nil
}
