package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrCallbackUsed is returned (wrapped) by ConsumeCallback for a token already consumed.
var ErrCallbackUsed = errors.New("callback already used")

// hashToken is what the ledger stores for a callback token: its SHA-256, in hex.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateCallback stores a one-time callback. Only the SHA-256 of c.Token is
// kept, never the token itself. A zero CreatedAt means now; a zero ExpiresAt
// means the callback never expires. Storing a token twice is an error.
func (l *Ledger) CreateCallback(ctx context.Context, c Callback) error {
	if c.Token == "" {
		return errors.New("create callback: token is empty")
	}
	if len(c.TaskToken) == 0 {
		return fmt.Errorf("create %s callback of %s/%s: task token is empty", c.Kind, c.PromotionID, c.Environment)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = l.now()
	}
	var expires *time.Time
	if !c.ExpiresAt.IsZero() {
		expires = &c.ExpiresAt
	}
	_, err := l.db.ExecContext(ctx, l.rebind(`
		INSERT INTO callbacks (token_sha256, task_token, kind, promotion_id, environment, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`),
		hashToken(c.Token), c.TaskToken, c.Kind, c.PromotionID, c.Environment,
		l.timeArg(c.CreatedAt), l.timePtrArg(expires))
	if err != nil {
		return fmt.Errorf("create %s callback of %s/%s: %w", c.Kind, c.PromotionID, c.Environment, err)
	}
	return nil
}

// ConsumeCallback marks the callback of token used and returns it, with Token
// set to token. Of concurrent calls with one token exactly one succeeds: the
// mark is a single UPDATE of a row not yet used. It returns an error wrapping
// ErrNotFound for an unknown or expired token, and ErrCallbackUsed for one
// already consumed. Errors never contain the token.
func (l *Ledger) ConsumeCallback(ctx context.Context, token string) (Callback, error) {
	hash := hashToken(token)
	now := l.timeArg(l.now())
	var c Callback
	var created, expires dbTime
	err := l.db.QueryRowContext(ctx, l.rebind(`
		UPDATE callbacks SET used_at = ?
		WHERE token_sha256 = ? AND used_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
		RETURNING task_token, kind, promotion_id, environment, created_at, expires_at`),
		now, hash, now).Scan(&c.TaskToken, &c.Kind, &c.PromotionID, &c.Environment, &created, &expires)
	if err == nil {
		c.Token, c.CreatedAt, c.ExpiresAt = token, created.Time, expires.Time
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Callback{}, fmt.Errorf("consume callback: %w", err)
	}
	// Nothing was marked: tell an unknown or expired token from a used one.
	var used dbTime
	err = l.db.QueryRowContext(ctx, l.rebind(`SELECT used_at FROM callbacks WHERE token_sha256 = ?`), hash).Scan(&used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Callback{}, fmt.Errorf("consume callback: %w", ErrNotFound)
	case err != nil:
		return Callback{}, fmt.Errorf("consume callback: %w", err)
	case used.Valid:
		return Callback{}, fmt.Errorf("consume callback: %w", ErrCallbackUsed)
	default:
		return Callback{}, fmt.Errorf("consume callback: expired: %w", ErrNotFound)
	}
}
