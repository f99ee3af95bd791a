package gitsource_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
)

// A mirror of a repository whose URL carries credentials fetches again
// with them: the mirror keeps its URL without them, and a later fetch
// names no URL.
func TestCredentialedMirrorFetchesAgain(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	root := t.TempDir()
	bare := filepath.Join(root, "repo.git")
	run(t, "", "git", "clone", "-q", "--bare", r.dir, bare)
	srv := serveHTTP(t, root, "bot", "s3cr3t-token")
	good := "http://bot:s3cr3t-token@" + strings.TrimPrefix(srv.URL, "http://") + "/repo.git"
	src := gitsource.New(t.TempDir())
	got, err := src.Resolve(ctx, good, "main")
	require.NoError(t, err)
	require.Equal(t, r.c2, got)
	c3 := r.commit(t, "x.txt", "x")
	run(t, r.dir, "git", "push", "-q", bare, "HEAD:main")
	got, err = src.Resolve(ctx, good, "main")
	require.NoError(t, err)
	require.Equal(t, c3, got)
}
