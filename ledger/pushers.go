package ledger

import (
	"context"
	"errors"
	"fmt"
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

// pushersOfQuery reads who is credited with a commit: every build the API
// starts asks it (prepared on SQLite, see preparedQueries).
const pushersOfQuery = `SELECT actor FROM commit_pushers WHERE project = ? AND commit_sha = ?
	UNION SELECT triggered_by FROM builds WHERE project = ? AND commit_sha = ? AND triggered_by <> ''
	ORDER BY 1`

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
	return out, nil
}
