package blobstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/internal/s3test"
)

func newS3(t *testing.T, prefix string) (*blobstore.S3, *s3.Client, string) {
	t.Helper()
	srv := s3test.Start(t)
	bucket := srv.Bucket(t, "blobs")
	client := srv.Client(t)
	s := blobstore.NewS3(client, bucket, prefix)
	s.TempDir = t.TempDir()
	return s, client, bucket
}

func TestS3PutGetStat(t *testing.T) {
	ctx := context.Background()
	s, client, bucket := newS3(t, "drover")
	content := "hello, artifact\n"
	sum := sha256.Sum256([]byte(content))
	want := blobstore.Object{Key: "artifacts/p/c/r/s/t/out.txt", Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}

	got, err := s.Put(ctx, want.Key, strings.NewReader(content))
	require.NoError(t, err)
	require.Equal(t, want, got)

	// The object sits under the prefix and carries its checksum.
	b, obj := s.Location(want.Key)
	require.Equal(t, bucket, b)
	require.Equal(t, "drover/"+want.Key, obj)
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(obj)})
	require.NoError(t, err)
	require.Equal(t, want.SHA256, head.Metadata["sha256"])

	rc, err := s.Get(ctx, want.Key)
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, content, string(data))

	st, err := s.Stat(ctx, want.Key)
	require.NoError(t, err)
	require.Equal(t, want, st)

	// Overwrite replaces the blob; an empty blob is a blob.
	for _, c := range []string{"v2", ""} {
		got, err = s.Put(ctx, want.Key, strings.NewReader(c))
		require.NoError(t, err)
		require.Equal(t, int64(len(c)), got.Size)
		st, err = s.Stat(ctx, want.Key)
		require.NoError(t, err)
		require.Equal(t, got, st)
		rc, err = s.Get(ctx, want.Key)
		require.NoError(t, err)
		data, err = io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		require.Equal(t, c, string(data))
	}
}

func TestS3NotFound(t *testing.T) {
	ctx := context.Background()
	s, client, _ := newS3(t, "")
	_, err := s.Put(ctx, "a/b/c", strings.NewReader("x"))
	require.NoError(t, err)
	for _, key := range []string{"missing", "a/b/missing", "a/b"} {
		_, err := s.Get(ctx, key)
		require.ErrorIs(t, err, blobstore.ErrNotFound, key)
		_, err = s.Stat(ctx, key)
		require.ErrorIs(t, err, blobstore.ErrNotFound, key)
	}

	// A missing bucket is not a missing blob.
	other := blobstore.NewS3(client, "no-such-bucket", "")
	_, err = other.Get(ctx, "a/b/c")
	require.Error(t, err)
	require.NotErrorIs(t, err, blobstore.ErrNotFound)
}

func TestS3InvalidKeys(t *testing.T) {
	ctx := context.Background()
	s, client, bucket := newS3(t, "p")
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
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	require.Empty(t, list.Contents, "an invalid key reached the bucket")
}

func TestS3TamperedObjectDetected(t *testing.T) {
	ctx := context.Background()
	s, client, bucket := newS3(t, "")
	key := "artifacts/p/c/r/s/t/app.tar.gz"
	orig, err := s.Put(ctx, key, strings.NewReader("the real tarball"))
	require.NoError(t, err)

	// Someone replaces the content but keeps the recorded checksum.
	tampered := "the evil tarball"
	_, obj := s.Location(key)
	_, err = client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(obj), Body: strings.NewReader(tampered),
		Metadata: map[string]string{"sha256": orig.SHA256},
	})
	require.NoError(t, err)

	rc, err := s.Get(ctx, key)
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	require.NoError(t, rc.Close())
	require.ErrorIs(t, err, blobstore.ErrChecksumMismatch)
	require.NotEqual(t, tampered, string(data), "the whole tampered content was returned")

	// Copying exactly the recorded size, as the API does, fails too.
	rc, err = s.Get(ctx, key)
	require.NoError(t, err)
	_, err = io.CopyN(io.Discard, rc, orig.Size)
	require.NoError(t, rc.Close())
	require.ErrorIs(t, err, blobstore.ErrChecksumMismatch)
}
