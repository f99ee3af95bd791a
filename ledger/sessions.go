package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RevokeSession records that the web session id ended (sign-out): it is
// refused from now on, by every replica. expires is when the session would
// have ended anyway; rows past it are pruned. Revoking twice is a no-op.
func (l *Ledger) RevokeSession(ctx context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("revoke session: empty id")
	}
	now := l.now()
	if _, err := l.db.ExecContext(ctx, l.rebind(`INSERT INTO revoked_sessions (id, revoked_at, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO NOTHING`), id, l.timeArg(now), l.timeArg(expires)); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	if _, err := l.db.ExecContext(ctx, l.rebind(`DELETE FROM revoked_sessions WHERE expires_at < ?`), l.timeArg(now)); err != nil {
		return fmt.Errorf("prune revoked sessions: %w", err)
	}
	return nil
}

// SessionRevoked reports whether the web session id was revoked.
func (l *Ledger) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var one int
	err := l.db.QueryRowContext(ctx, l.rebind(`SELECT 1 FROM revoked_sessions WHERE id = ?`), id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up revoked session: %w", err)
	}
	return true, nil
}
