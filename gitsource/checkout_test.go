package gitsource_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
)

func TestCheckout(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	for kind, repo := range repositories(t, r) {
		src := gitsource.New(t.TempDir())
		tests := []struct {
			name    string
			commit  string
			content string
			feature bool
		}{
			{"older commit", r.c1, "version: 1\n", false},
			{"tip of main", r.c2, "version: 2\n", false},
			{"tip of branch", r.c3, "version: 2\n", true},
		}
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				ws := filepath.Join(t.TempDir(), "ws")
				require.NoError(t, src.Checkout(ctx, repo, tt.commit, ws))
				b, err := os.ReadFile(filepath.Join(ws, "drover.yaml"))
				require.NoError(t, err)
				require.Equal(t, tt.content, string(b))
				_, err = os.Stat(filepath.Join(ws, "feature.txt"))
				require.Equal(t, tt.feature, err == nil)
				require.Equal(t, tt.commit, run(t, ws, "git", "rev-parse", "HEAD"))
				require.Equal(t, "HEAD", run(t, ws, "git", "rev-parse", "--abbrev-ref", "HEAD"), "detached")
				require.Equal(t, "true", run(t, ws, "git", "rev-parse", "--is-shallow-repository"))
				require.Empty(t, run(t, ws, "git", "status", "--porcelain"))
			})
		}
	}
}

func TestCheckoutFallsBackToFullFetch(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	// Protocol v0 servers refuse to serve a commit that is not a branch or
	// tag tip unless configured to.
	t.Setenv("GIT_CONFIG_PARAMETERS", "'protocol.version=0'")
	ws := filepath.Join(t.TempDir(), "ws")
	require.NoError(t, gitsource.New(t.TempDir()).Checkout(ctx, r.dir, r.c1, ws))
	require.Equal(t, r.c1, run(t, ws, "git", "rev-parse", "HEAD"))
	require.Equal(t, "false", run(t, ws, "git", "rev-parse", "--is-shallow-repository"))
}

func TestCheckoutErrors(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	src := gitsource.New(t.TempDir())

	full := t.TempDir()
	writeFile(t, filepath.Join(full, "x"), "x")
	require.ErrorContains(t, src.Checkout(ctx, r.dir, r.c1, full), "not empty")

	require.Error(t, src.Checkout(ctx, r.dir, "0123456789012345678901234567890123456789", filepath.Join(t.TempDir(), "ws")))
	require.Error(t, src.Checkout(ctx, filepath.Join(t.TempDir(), "nothing"), r.c1, filepath.Join(t.TempDir(), "ws")))

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err := src.Checkout(cctx, r.dir, r.c1, filepath.Join(t.TempDir(), "ws"))
	require.ErrorIs(t, err, context.Canceled)
}
