package bootstrap

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/drover-ci/drover/ledger"
)

// OpenLedger opens (and migrates) the ledger at dsn. While the database
// cannot be reached it logs one line per attempt saying so and retries with
// capped backoff; it returns an error only when ctx ends first. The
// password of a PostgreSQL DSN never appears in its logs or errors.
func OpenLedger(ctx context.Context, dsn string, logger *slog.Logger) (*ledger.Ledger, error) {
	shown := redactDSN(dsn)
	var l *ledger.Ledger
	err := retry(ctx, func() error {
		var err error
		l, err = ledger.Open(ctx, dsn, ledger.WithLogger(logger))
		if err != nil {
			return scrubbed(err, dsn)
		}
		return nil
	}, func(err error, delay time.Duration) {
		logger.WarnContext(ctx, "cannot open the ledger; retrying",
			"ledger", shown, "error", err.Error(), "retry_in", delay.String())
	})
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", shown, err)
	}
	return l, nil
}

// redactDSN shows a PostgreSQL DSN without its password and query (which
// may carry one too); any other DSN is a file path and shown as is.
func redactDSN(dsn string) string {
	if !strings.Contains(dsn, "://") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable ledger DSN)"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.Redacted()
}

// scrubbed is err with the DSN's password (and the DSN itself, should a
// driver quote it) masked out of its message.
func scrubbed(err error, dsn string) error {
	msg := err.Error()
	if !strings.Contains(dsn, "://") {
		return err
	}
	replaced := strings.ReplaceAll(msg, dsn, redactDSN(dsn))
	if u, perr := url.Parse(dsn); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			replaced = strings.ReplaceAll(replaced, pw, "xxxxx")
		}
		if pw := u.Query().Get("password"); pw != "" {
			replaced = strings.ReplaceAll(replaced, pw, "xxxxx")
		}
	}
	if replaced == msg {
		return err
	}
	return fmt.Errorf("%s", replaced)
}
