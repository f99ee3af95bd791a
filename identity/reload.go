package identity

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"time"
)

// DefaultReloadInterval is how often Watch looks at the identity file.
const DefaultReloadInterval = 10 * time.Second

// Reload reads the identity file at path again and, when it is valid,
// replaces the directory's users, trust header and proxies with its content.
// A file that does not load leaves the directory as it was.
func (d *Directory) Reload(path string) error {
	next, err := Load(path)
	if err != nil {
		return err
	}
	d.replace(next)
	return nil
}

func (d *Directory) replace(next *Directory) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users, d.trustHeader, d.proxies, d.source = next.users, next.trustHeader, next.proxies, next.source
}

// loaded reports whether data is the content the directory holds.
func (d *Directory) loaded(data []byte) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.source == sha256.Sum256(data)
}

// Watch re-reads the identity file at path every interval (zero means
// DefaultReloadInterval) until ctx ends, and applies it when its content
// changed: group changes, new and removed users take effect without a
// restart. A broken file is logged at ERROR, once per content, and the
// previous content stays in force.
func (d *Directory) Watch(ctx context.Context, path string, interval time.Duration, logger *slog.Logger) {
	if interval <= 0 {
		interval = DefaultReloadInterval
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var lastBad []byte
	unreadable := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		data, err := os.ReadFile(path)
		if err != nil {
			if !unreadable {
				logger.ErrorContext(ctx, "identity file not readable; keeping the users loaded before", "file", path, "error", err)
			}
			unreadable = true
			continue
		}
		unreadable = false
		if d.loaded(data) {
			continue
		}
		next, err := Parse(path, data)
		if err != nil {
			if !bytes.Equal(data, lastBad) {
				logger.ErrorContext(ctx, "identity file not reloaded: it has errors; keeping the users loaded before",
					"file", path, "error", err.Error())
				lastBad = data
			}
			continue
		}
		d.replace(next)
		lastBad = nil
		logger.InfoContext(ctx, "identity file reloaded", "file", path, "users", len(next.users))
	}
}
