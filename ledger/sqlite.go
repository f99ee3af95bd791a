package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// walRetryFor bounds how long enableWAL retries a busy database, like busy_timeout.
const walRetryFor = 5 * time.Second

// enableWAL switches a SQLite database to WAL mode, retrying while another
// connection holds a lock (SQLite does not wait for the lock this needs).
func enableWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(walRetryFor)
	wait := 5 * time.Millisecond
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil && strings.EqualFold(mode, "wal") {
			return nil
		}
		if err == nil {
			// In-memory databases answer "memory" and cannot use WAL.
			if strings.EqualFold(mode, "memory") {
				return nil
			}
			return fmt.Errorf("enable WAL: journal mode is %q", mode)
		}
		if !isSQLiteBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("enable WAL: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("enable WAL: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// isSQLiteBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (or one of
// their extended codes).
func isSQLiteBusy(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return false
	}
	const busy, locked = 5, 6
	code := coded.Code() & 0xff
	return code == busy || code == locked
}
