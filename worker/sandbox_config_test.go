package worker

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
)

func TestSandboxConfigFromEnv(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	cfg, err := ConfigFromEnv(get)
	require.NoError(t, err)
	require.False(t, cfg.Sandbox.Off)
	require.Equal(t, "host", cfg.Sandbox.Network)
	require.Equal(t, int64(64<<20), cfg.Sandbox.LogLimit)
	require.Equal(t, int64(2<<30), cfg.Sandbox.CacheMaxBytes)

	env = map[string]string{"DROVER_SANDBOX": "off", "DROVER_SANDBOX_NETWORK": "none", "DROVER_SANDBOX_BINDS": "/srv/a, /srv/b",
		"DROVER_SANDBOX_PASS_ENV": "GOFLAGS,http_proxy", "DROVER_TASK_LOG_LIMIT": "2k", "DROVER_CACHE_MAX_BYTES": "500m"}
	cfg, err = ConfigFromEnv(get)
	require.NoError(t, err)
	require.Equal(t, SandboxConfig{Off: true, Network: "none", Binds: []string{"/srv/a", "/srv/b"},
		PassEnv: []string{"GOFLAGS", "http_proxy"}, LogLimit: 2048, CacheMaxBytes: 500 << 20}, cfg.Sandbox)

	for k, v := range map[string]string{
		"DROVER_SANDBOX": "maybe", "DROVER_SANDBOX_NETWORK": "bridge", "DROVER_SANDBOX_BINDS": "relative/dir",
		"DROVER_SANDBOX_PASS_ENV": "DROVER_POLL_TOKEN", "DROVER_TASK_LOG_LIMIT": "lots", "DROVER_SECRETS_KEY": "c2hvcnQ=",
	} {
		env = map[string]string{k: v}
		_, err := ConfigFromEnv(get)
		require.ErrorContains(t, err, k)
		require.NotContains(t, err.Error(), "c2hvcnQ=")
	}
}

func TestSetUpSandboxRefusesWithoutBwrap(t *testing.T) {
	acts := &activities.Activities{DataDir: t.TempDir()}
	err := SetUpSandbox(context.Background(), SandboxConfig{Bwrap: "/nonexistent/bwrap", Network: "host"}, acts, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, "DROVER_SANDBOX=off")
	require.Nil(t, acts.Sandbox)

	require.NoError(t, SetUpSandbox(context.Background(), SandboxConfig{Off: true}, acts, slog.New(slog.DiscardHandler)))
	require.Nil(t, acts.Sandbox)

	require.NoError(t, SetUpSandbox(context.Background(), SandboxConfig{Network: "host"}, acts, slog.New(slog.DiscardHandler)))
	require.NotNil(t, acts.Sandbox, "bwrap works on this machine")
}
