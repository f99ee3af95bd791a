package worker

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/sandbox"
	"github.com/drover-ci/drover/secrets"
)

// SandboxConfig is how the worker sandboxes scripts and what it gives them.
type SandboxConfig struct {
	Off     bool     // DROVER_SANDBOX=off: scripts run unsandboxed (logged at ERROR on start)
	Bwrap   string   // DROVER_SANDBOX_BWRAP: the bwrap binary, default bwrap in PATH
	Network string   // DROVER_SANDBOX_NETWORK: host (default) or none, for steps the registry does not choose for
	Binds   []string // DROVER_SANDBOX_BINDS: comma separated host directories every script may write
	PassEnv []string // DROVER_SANDBOX_PASS_ENV: comma separated worker variables every script receives
	// LogLimit is DROVER_TASK_LOG_LIMIT: bytes of one script's output kept
	// in its log (suffixes k, m, g; default 64m; 0 or "off": no limit).
	LogLimit int64
	// CacheMaxBytes is DROVER_CACHE_MAX_BYTES: the size of a project's
	// caches of one trust scope together, past which the oldest are
	// deleted (suffixes k, m, g; default 2g; 0 or "off": no caches).
	CacheMaxBytes int64
	// SecretsKey is DROVER_SECRETS_KEY: base64 of the 32-byte AES-256-GCM
	// key of the secrets in the ledger. Empty: steps that name secrets fail.
	SecretsKey string
}

func sandboxConfigFromEnv(getenv func(string) string) (SandboxConfig, error) {
	c := SandboxConfig{
		Bwrap:      getenv("DROVER_SANDBOX_BWRAP"),
		Network:    envOr(getenv, "DROVER_SANDBOX_NETWORK", sandbox.NetworkHost),
		SecretsKey: getenv("DROVER_SECRETS_KEY"),
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("DROVER_SANDBOX"))); v {
	case "", "on", "bwrap":
	case "off":
		c.Off = true
	default:
		return c, fmt.Errorf("DROVER_SANDBOX: want on or off, got %q", v)
	}
	if c.Network != sandbox.NetworkHost && c.Network != sandbox.NetworkNone {
		return c, fmt.Errorf("DROVER_SANDBOX_NETWORK: want host or none, got %q", c.Network)
	}
	for _, b := range strings.Split(getenv("DROVER_SANDBOX_BINDS"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			if !filepath.IsAbs(b) {
				return c, fmt.Errorf("DROVER_SANDBOX_BINDS: %q is not an absolute path", b)
			}
			c.Binds = append(c.Binds, filepath.Clean(b))
		}
	}
	for _, n := range strings.Split(getenv("DROVER_SANDBOX_PASS_ENV"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			if strings.HasPrefix(n, "DROVER_") {
				return c, fmt.Errorf("DROVER_SANDBOX_PASS_ENV: %s: the worker's DROVER_ variables are never passed", n)
			}
			c.PassEnv = append(c.PassEnv, n)
		}
	}
	limit, err := parseSize(envOr(getenv, "DROVER_TASK_LOG_LIMIT", "64m"))
	if err != nil {
		return c, fmt.Errorf("DROVER_TASK_LOG_LIMIT: %w", err)
	}
	c.LogLimit = limit
	if c.CacheMaxBytes, err = parseSize(envOr(getenv, "DROVER_CACHE_MAX_BYTES", "2g")); err != nil {
		return c, fmt.Errorf("DROVER_CACHE_MAX_BYTES: %w", err)
	}
	if c.SecretsKey != "" {
		if _, err := secrets.CipherFromBase64(c.SecretsKey); err != nil {
			return c, fmt.Errorf("DROVER_SECRETS_KEY: %w", err)
		}
	}
	return c, nil
}

// parseSize reads "65536", "64k", "64m", "1g"; "0" and "off" are -1 (no limit).
func parseSize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "off" || s == "0" {
		return -1, nil
	}
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1<<10, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1<<20, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "g"):
		mult, s = 1<<30, strings.TrimSuffix(s, "g")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a size such as 64m, got %q", s)
	}
	return n * mult, nil
}

// SetUpSandbox makes the sandbox of acts from cfg, checks that it runs and
// kills the sandboxes an earlier worker on the same data dir left behind.
// Where the sandbox cannot run it returns an error, unless cfg.Off says to
// run unsandboxed, which it logs at ERROR.
func SetUpSandbox(ctx context.Context, cfg SandboxConfig, acts *activities.Activities, logger *slog.Logger) error {
	acts.PassEnv = cfg.PassEnv
	acts.LogLimit = cfg.LogLimit
	acts.CacheMaxBytes = cfg.CacheMaxBytes
	if cfg.Off {
		acts.Sandbox = nil
		logger.Error("SANDBOX OFF: task, deploy and check scripts run unsandboxed as the worker's user and can read its files and processes (DROVER_SANDBOX=off)")
		return nil
	}
	sb, err := sandbox.New(sandbox.Options{Bwrap: cfg.Bwrap, Network: cfg.Network, Binds: cfg.Binds})
	if err != nil {
		return fmt.Errorf("%w; the worker refuses to run scripts unsandboxed unless DROVER_SANDBOX=off", err)
	}
	if err := sb.Check(ctx); err != nil {
		return fmt.Errorf("%w; the worker refuses to run scripts unsandboxed unless DROVER_SANDBOX=off", err)
	}
	acts.Sandbox = sb
	if acts.DataDir != "" {
		pids := sandbox.Pids{Dir: filepath.Join(acts.DataDir, "sandboxes")}
		n, err := pids.KillLeftovers()
		if err != nil {
			logger.Warn("Sandbox leftovers not checked.", "error", err)
		} else if n > 0 {
			logger.Warn("Killed sandboxes an earlier worker left running.", "count", n)
		}
	}
	logger.Info("Sandbox ready.", "bwrap", sb.Bwrap, "network", sb.Network, "binds", sb.Binds, "uid", sb.UID)
	return nil
}
