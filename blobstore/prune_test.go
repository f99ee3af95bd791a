package blobstore_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/blobstore"
)

// testPruner checks List and Delete of a store: listing sees only the
// prefix, deleting twice is fine.
func testPruner(t *testing.T, s interface {
	blobstore.Store
	blobstore.Pruner
}) {
	ctx := context.Background()
	for _, k := range []string{"caches/p/trusted/a.tar.gz", "caches/p/trusted/b.tar.gz", "caches/p/untrusted/a.tar.gz", "caches/q/trusted/a.tar.gz"} {
		_, err := s.Put(ctx, k, strings.NewReader("content of "+k))
		require.NoError(t, err)
	}
	entries, err := s.List(ctx, "caches/p/trusted/")
	require.NoError(t, err)
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Key)
		require.EqualValues(t, len("content of "+e.Key), e.Size)
		require.False(t, e.Modified.IsZero())
	}
	slices.Sort(keys)
	require.Equal(t, []string{"caches/p/trusted/a.tar.gz", "caches/p/trusted/b.tar.gz"}, keys)

	require.NoError(t, s.Delete(ctx, "caches/p/trusted/a.tar.gz"))
	require.NoError(t, s.Delete(ctx, "caches/p/trusted/a.tar.gz"))
	_, err = s.Get(ctx, "caches/p/trusted/a.tar.gz")
	require.ErrorIs(t, err, blobstore.ErrNotFound)
	entries, err = s.List(ctx, "caches/none/")
	require.NoError(t, err)
	require.Empty(t, entries)
	require.Error(t, s.Delete(ctx, "../escape"))
}

func TestFSPruner(t *testing.T) {
	testPruner(t, blobstore.NewFS(filepath.Join(t.TempDir(), "blobs")))
}

func TestS3Pruner(t *testing.T) {
	s, _, _ := newS3(t, "drover")
	testPruner(t, s)
}
