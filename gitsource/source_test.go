package gitsource_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
)

// repositories returns the ways a test repository can be named: working
// tree, bare clone, file:// URL, and http:// URL served by a real server.
func repositories(t *testing.T, r testRepo) map[string]string {
	t.Helper()
	root := t.TempDir()
	bare := filepath.Join(root, "repo.git")
	run(t, "", "git", "clone", "-q", "--bare", r.dir, bare)
	run(t, bare, "git", "config", "uploadpack.allowFilter", "true")
	srv := serveHTTP(t, root, "", "")
	return map[string]string{
		"worktree": r.dir,
		"bare":     bare,
		"file URL": "file://" + r.dir,
		"http":     srv.URL + "/repo.git",
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	for kind, repo := range repositories(t, r) {
		src := gitsource.New(t.TempDir())
		tests := []struct {
			ref  string
			want string
		}{
			{r.c1, r.c1},
			{r.c1[:8], r.c1},
			{"main", r.c2},
			{"HEAD", r.c2},
			{"v1", r.c1},
			{"feature", r.c3},
			{"refs/heads/feature", r.c3},
		}
		for _, tt := range tests {
			t.Run(kind+"/"+tt.ref, func(t *testing.T) {
				got, err := src.Resolve(ctx, repo, tt.ref)
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			})
		}
		t.Run(kind+"/unknown", func(t *testing.T) {
			for _, ref := range []string{"nope", strings.Repeat("0", 40), "", "--all"} {
				_, err := src.Resolve(ctx, repo, ref)
				require.Error(t, err, ref)
			}
		})
	}
}

func TestResolveRemoteFollowsNewCommits(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	root := t.TempDir()
	srv := serveHTTP(t, root, "", "")
	// Serve the working tree itself so new commits show at once.
	require.NoError(t, os.Symlink(filepath.Join(r.dir, ".git"), filepath.Join(root, "live.git")))
	repo := srv.URL + "/live.git"
	src := gitsource.New(t.TempDir())

	got, err := src.Resolve(ctx, repo, "main")
	require.NoError(t, err)
	require.Equal(t, r.c2, got)

	c4 := r.commit(t, "drover.yaml", "version: 4\n")
	got, err = src.Resolve(ctx, repo, "main")
	require.NoError(t, err)
	require.Equal(t, c4, got)

	b, err := src.ReadFile(ctx, repo, c4, "drover.yaml")
	require.NoError(t, err)
	require.Equal(t, "version: 4\n", string(b))

	// ReadFile fetches a commit the mirror does not have yet.
	c5 := r.commit(t, "drover.yaml", "version: 5\n")
	b, err = src.ReadFile(ctx, repo, c5, "drover.yaml")
	require.NoError(t, err)
	require.Equal(t, "version: 5\n", string(b))
}

func TestReadFile(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	for kind, repo := range repositories(t, r) {
		src := gitsource.New(t.TempDir())
		tests := []struct {
			commit, path string
			want         string
			notFound     bool
		}{
			{commit: r.c1, path: "drover.yaml", want: "version: 1\n"},
			{commit: r.c2, path: "drover.yaml", want: "version: 2\n"},
			{commit: r.c2, path: "./src/main.go", want: "package main\n"},
			{commit: r.c3, path: "feature.txt", want: "new\n"},
			{commit: r.c2, path: "feature.txt", notFound: true},
			{commit: r.c2, path: "src", notFound: true},
		}
		for _, tt := range tests {
			t.Run(kind+"/"+tt.path, func(t *testing.T) {
				got, err := src.ReadFile(ctx, repo, tt.commit, tt.path)
				if tt.notFound {
					require.ErrorIs(t, err, gitsource.ErrFileNotFound)
					return
				}
				require.NoError(t, err)
				require.Equal(t, tt.want, string(got))
			})
		}
		t.Run(kind+"/invalid", func(t *testing.T) {
			for _, p := range []string{"", "../etc/passwd", "/drover.yaml", "."} {
				_, err := src.ReadFile(ctx, repo, r.c2, p)
				require.Error(t, err, p)
				require.NotErrorIs(t, err, gitsource.ErrFileNotFound, p)
			}
			_, err := src.ReadFile(ctx, repo, strings.Repeat("1", 40), "drover.yaml")
			require.Error(t, err)
			require.NotErrorIs(t, err, gitsource.ErrFileNotFound)
		})
	}
}

func TestCredentialsNeverInErrors(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	root := t.TempDir()
	run(t, "", "git", "clone", "-q", "--bare", r.dir, filepath.Join(root, "repo.git"))
	srv := serveHTTP(t, root, "bot", "s3cr3t-token")
	host := strings.TrimPrefix(srv.URL, "http://")

	// The right credentials work.
	good := "http://bot:s3cr3t-token@" + host + "/repo.git"
	src := gitsource.New(t.TempDir())
	got, err := src.Resolve(ctx, good, "main")
	require.NoError(t, err)
	require.Equal(t, r.c2, got)
	require.NoError(t, src.Checkout(ctx, good, r.c1, filepath.Join(t.TempDir(), "ws")))

	for _, repo := range []string{
		"http://bot:s3cr3t-token@" + host + "/missing.git",
		"http://bot:wrong-s3cr3t-token@" + host + "/repo.git",
	} {
		src := gitsource.New(t.TempDir())
		_, err := src.Resolve(ctx, repo, "main")
		require.Error(t, err)
		require.NotContains(t, err.Error(), "s3cr3t")
		require.Contains(t, err.Error(), host)
		_, err = src.ReadFile(ctx, repo, r.c2, "drover.yaml")
		require.Error(t, err)
		require.NotContains(t, err.Error(), "s3cr3t")
		err = src.Checkout(ctx, repo, r.c2, filepath.Join(t.TempDir(), "ws"))
		require.Error(t, err)
		require.NotContains(t, err.Error(), "s3cr3t")
	}
}
