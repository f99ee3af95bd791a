package gitsource_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
)

func TestReadCommitFileReadsCommitFileAndDescriptionTogether(t *testing.T) {
	r := newTestRepo(t)
	s := gitsource.New(t.TempDir())
	t.Cleanup(s.Close)
	ctx := context.Background()

	cf, err := s.ReadCommitFile(ctx, r.dir, r.c2, "drover.yaml")
	require.NoError(t, err)
	require.Equal(t, gitsource.CommitFile{Commit: r.c2, Info: gitsource.CommitInfo{Subject: "two", Author: "Test"},
		Data: []byte("version: 2\n")}, cf)

	// A ref that is not a full SHA is resolved as Resolve does; the
	// description is left to Describe.
	cf, err = s.ReadCommitFile(ctx, r.dir, "v1", "drover.yaml")
	require.NoError(t, err)
	require.Equal(t, gitsource.CommitFile{Commit: r.c1, Data: []byte("version: 1\n")}, cf)

	cf, err = s.ReadCommitFile(ctx, r.dir, r.c1, "feature.txt")
	require.ErrorIs(t, err, gitsource.ErrFileNotFound)
	require.NotErrorIs(t, err, gitsource.ErrUnresolved)
	require.Equal(t, r.c1, cf.Commit)
	_, err = s.ReadCommitFile(ctx, r.dir, r.c1, "src")
	require.ErrorIs(t, err, gitsource.ErrFileNotFound)

	for _, ref := range []string{strings.Repeat("0", 40), "no-such-branch"} {
		_, err = s.ReadCommitFile(ctx, r.dir, ref, "drover.yaml")
		require.ErrorIs(t, err, gitsource.ErrUnresolved, ref)
	}
	_, err = s.ReadCommitFile(ctx, r.dir, r.c2, "../outside")
	require.Error(t, err)
	require.NotErrorIs(t, err, gitsource.ErrFileNotFound)
}
