package ledger

import (
	"context"
	"errors"
	"fmt"
)

// recordPusherQuery keeps a pusher: every signed forge push runs it
// (prepared on SQLite, see preparedQueries).
const recordPusherQuery = `INSERT INTO commit_pushers (project, commit_sha, actor, pushed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (project, commit_sha, actor) DO NOTHING`

// RecordPusher records that actor pushed commit of project in a signed
// forge push; recording it again changes nothing.
func (l *Ledger) RecordPusher(ctx context.Context, project, commit, actor string) error {
	if project == "" || commit == "" || actor == "" {
		return errors.New("record pusher: project, commit and actor are required")
	}
	_, err := l.exec(ctx, l.db, recordPusherQuery, project, commit, actor, l.timeArg(l.now()))
	if err != nil {
		return fmt.Errorf("record pusher of %s at %s: %w", project, commit, err)
	}
	return nil
}

// pushersOfQuery reads the pushers of a commit: every build the API starts
// asks it (prepared on SQLite, see preparedQueries).
const pushersOfQuery = `SELECT actor FROM commit_pushers WHERE project = ? AND commit_sha = ? ORDER BY actor`

// PushersOf returns who RecordPusher recorded for commit of project,
// sorted; none is an empty slice.
func (l *Ledger) PushersOf(ctx context.Context, project, commit string) ([]string, error) {
	rows, err := l.query(ctx, pushersOfQuery, project, commit)
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
	return out, nil
}
