package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// RecordPusher records that actor pushed commit of project in a signed
// forge push that built nothing; recording it again changes nothing.
func (l *Ledger) RecordPusher(ctx context.Context, project, commit, actor string) error {
	if project == "" || commit == "" || actor == "" {
		return errors.New("record pusher: project, commit and actor are required")
	}
	_, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO commit_pushers (project, commit_sha, actor, pushed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (project, commit_sha, actor) DO NOTHING`),
		project, commit, actor, l.timeArg(l.now()))
	if err != nil {
		return fmt.Errorf("record pusher of %s at %s: %w", project, commit, err)
	}
	return nil
}

// pushersOfQuery reads who is credited with a commit, one row each time,
// in no order: those RecordPusher recorded and whoever triggered a build of
// it (prepared on SQLite, see preparedQueries).
const pushersOfQuery = `SELECT actor FROM commit_pushers WHERE project = ? AND commit_sha = ?
	UNION ALL SELECT triggered_by FROM builds WHERE project = ? AND commit_sha = ? AND triggered_by <> ''`

// PushersOf returns, sorted, who is credited with commit of project: those
// RecordPusher recorded, and whoever triggered a build of the commit (a
// push that built it, an earlier run of a rerun). None is an empty slice.
func (l *Ledger) PushersOf(ctx context.Context, project, commit string) ([]string, error) {
	rows, err := l.query(ctx, pushersOfQuery, project, commit, project, commit)
	if err != nil {
		return nil, fmt.Errorf("pushers of %s at %s: %w", project, commit, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var actor string
		if err := rows.Scan(&actor); err != nil {
			return nil, fmt.Errorf("pushers of %s at %s: %w", project, commit, err)
		}
		out = append(out, actor)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pushers of %s at %s: %w", project, commit, err)
	}
	return sortedOnce(out), nil
}

// sortedOnce sorts who and drops its repeats.
func sortedOnce(who []string) []string {
	slices.Sort(who)
	return slices.Compact(who)
}

// CommitOrigin is what the ledger knows of how a commit came to be built,
// as the API reads it for every build it starts.
type CommitOrigin struct {
	// ChainPush is the push step that made the commit; nil when none did.
	ChainPush *ChainPush
	// Pushers are those credited with the commit, as PushersOf returns them.
	Pushers []string
}

// commitOriginQuery reads ChainPushOf's and PushersOf's rows in one
// statement (prepared on SQLite, see preparedQueries): a read transaction
// of its own costs SQLite two locks of its WAL index, a system call each.
// The first column tells a chain push's row ('c') from a pusher's ('p').
const commitOriginQuery = `SELECT 'c', '', ` + chainPushColumns + `
		FROM chain_pushes WHERE target_project = ? AND commit_sha = ?
	UNION ALL SELECT 'p', actor, '', '', '', '', '', '', '', '', '', '', NULL
		FROM (` + pushersOfQuery + `) AS credited`

// CommitOrigin returns, in one read, the push step that made commit of
// project (ChainPushOf, without its ErrNotFound) and who is credited with
// it (PushersOf).
func (l *Ledger) CommitOrigin(ctx context.Context, project, commit string) (CommitOrigin, error) {
	rows, err := l.query(ctx, commitOriginQuery, project, commit, project, commit, project, commit)
	if err != nil {
		return CommitOrigin{}, fmt.Errorf("origin of %s at %s: %w", project, commit, err)
	}
	defer rows.Close()
	o := CommitOrigin{Pushers: []string{}}
	for rows.Next() {
		var kind, actor string
		var p ChainPush
		var at dbTime
		if err := rows.Scan(&kind, &actor, &p.TargetProject, &p.Commit, &p.Repository, &p.Branch, &p.Parent,
			&p.SourceProject, &p.SourceBuildID, &p.SourceRunID, &p.SourceCommit, &p.Step, &at); err != nil {
			return CommitOrigin{}, fmt.Errorf("origin of %s at %s: %w", project, commit, err)
		}
		if kind == "c" {
			p.PushedAt = at.Time
			o.ChainPush = &p
			continue
		}
		o.Pushers = append(o.Pushers, actor)
	}
	if err := rows.Err(); err != nil {
		return CommitOrigin{}, fmt.Errorf("origin of %s at %s: %w", project, commit, err)
	}
	o.Pushers = sortedOnce(o.Pushers)
	return o, nil
}
