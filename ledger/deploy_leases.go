package ledger

import (
	"context"
	"fmt"
	"time"
)

// TakeDeployLease takes or renews holder's lease on the deploys of project's
// environment until now+ttl. It returns false, without error, while another
// holder's lease has not expired: that attempt may still be deploying.
func (l *Ledger) TakeDeployLease(ctx context.Context, project, environment, holder string, ttl time.Duration) (bool, error) {
	now := l.now()
	res, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO deploy_leases (project, environment, holder, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (project, environment) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE deploy_leases.holder = excluded.holder OR deploy_leases.expires_at < ?`),
		project, environment, holder, l.timeArg(now.Add(ttl)), l.timeArg(now))
	if err != nil {
		return false, fmt.Errorf("take deploy lease of %s/%s: %w", project, environment, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take deploy lease of %s/%s: %w", project, environment, err)
	}
	return n == 1, nil
}

// ReleaseDeployLease gives holder's lease up; a lease held by another holder
// is left alone.
func (l *Ledger) ReleaseDeployLease(ctx context.Context, project, environment, holder string) error {
	_, err := l.db.ExecContext(ctx, l.rebind(`DELETE FROM deploy_leases WHERE project = ? AND environment = ? AND holder = ?`),
		project, environment, holder)
	if err != nil {
		return fmt.Errorf("release deploy lease of %s/%s: %w", project, environment, err)
	}
	return nil
}
