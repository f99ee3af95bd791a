package blobstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/blobstore"
)

func TestFSPutGetStat(t *testing.T) {
	ctx := context.Background()
	s := blobstore.NewFS(t.TempDir())
	content := "hello, artifact\n"
	sum := sha256.Sum256([]byte(content))
	want := blobstore.Object{Key: "artifacts/p/c/r/s/t/out.txt", Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}

	got, err := s.Put(ctx, want.Key, strings.NewReader(content))
	require.NoError(t, err)
	require.Equal(t, want, got)

	rc, err := s.Get(ctx, want.Key)
	require.NoError(t, err)
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, content, string(b))

	st, err := s.Stat(ctx, want.Key)
	require.NoError(t, err)
	require.Equal(t, want, st)

	// Overwrite replaces the blob.
	got, err = s.Put(ctx, want.Key, strings.NewReader("v2"))
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Size)
	st, err = s.Stat(ctx, want.Key)
	require.NoError(t, err)
	require.Equal(t, got, st)
}

func TestFSNotFound(t *testing.T) {
	ctx := context.Background()
	s := blobstore.NewFS(t.TempDir())
	_, err := s.Put(ctx, "a/b/c", strings.NewReader("x"))
	require.NoError(t, err)
	for _, key := range []string{"missing", "a/b/missing", "a/b"} {
		_, err := s.Get(ctx, key)
		require.ErrorIs(t, err, blobstore.ErrNotFound, key)
		_, err = s.Stat(ctx, key)
		require.ErrorIs(t, err, blobstore.ErrNotFound, key)
	}
}

func TestFSInvalidKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := blobstore.NewFS(filepath.Join(dir, "store"))
	for _, key := range []string{"", "/etc/passwd", "../escape", "a/../../escape", "a//b", "a/./b", "a/", "a\\b"} {
		t.Run(key, func(t *testing.T) {
			_, err := s.Put(ctx, key, strings.NewReader("x"))
			require.Error(t, err)
			_, err = s.Get(ctx, key)
			require.Error(t, err)
			require.NotErrorIs(t, err, blobstore.ErrNotFound)
			_, err = s.Stat(ctx, key)
			require.Error(t, err)
		})
	}
	_, err := os.Stat(filepath.Join(dir, "escape"))
	require.True(t, errors.Is(err, os.ErrNotExist))
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk on fire")
	}
	f.n--
	p[0] = 'x'
	return 1, nil
}

func TestFSPutFailureLeavesNoBlob(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := blobstore.NewFS(dir)
	_, err := s.Put(ctx, "k/v", &failingReader{n: 3})
	require.ErrorContains(t, err, "disk on fire")
	_, err = s.Get(ctx, "k/v")
	require.ErrorIs(t, err, blobstore.ErrNotFound)
	entries, err := os.ReadDir(filepath.Join(dir, "k"))
	require.NoError(t, err)
	require.Empty(t, entries, "temporary file left behind")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Put(cctx, "k/v", strings.NewReader("x"))
	require.ErrorIs(t, err, context.Canceled)
}

func TestArtifactKey(t *testing.T) {
	tests := []struct {
		name  string
		parts [6]string
		want  string
		valid bool
	}{
		{"plain", [6]string{"foas", "abc123", "run-1", "package", "tarball", "foas.tar.gz"}, "artifacts/foas/abc123/run-1/package/tarball/foas.tar.gz", true},
		{"dotdot name", [6]string{"foas", "abc", "r", "s", "t", ".."}, "artifacts/foas/abc/r/s/t/..", false},
		{"empty task", [6]string{"foas", "abc", "r", "s", "", "n"}, "artifacts/foas/abc/r/s//n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.parts
			key := blobstore.ArtifactKey(p[0], p[1], p[2], p[3], p[4], p[5])
			require.Equal(t, tt.want, key)
			require.Equal(t, tt.valid, blobstore.ValidateKey(key) == nil)
		})
	}
}
