package storage_test

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/storage"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		want    storage.Config
		wantErr string
	}{
		{name: "default is the filesystem", vars: nil, want: storage.Config{Kind: "fs"}},
		{name: "fs", vars: map[string]string{"DROVER_BLOB_STORE": "fs", "DROVER_S3_BUCKET": "ignored"},
			want: storage.Config{Kind: "fs", Bucket: "ignored"}},
		{name: "s3", vars: map[string]string{"DROVER_BLOB_STORE": "s3", "DROVER_S3_BUCKET": "b", "DROVER_S3_PREFIX": "drover/",
			"DROVER_S3_ENDPOINT": "http://127.0.0.1:7070", "DROVER_S3_PATH_STYLE": "1", "DROVER_AWS_REGION": "eu-west-1"},
			want: storage.Config{Kind: "s3", Bucket: "b", Prefix: "drover/"}},
		{name: "s3 without bucket", vars: map[string]string{"DROVER_BLOB_STORE": "s3"}, wantErr: "DROVER_S3_BUCKET"},
		{name: "unknown kind", vars: map[string]string{"DROVER_BLOB_STORE": "gcs"}, wantErr: `DROVER_BLOB_STORE="gcs"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := storage.FromEnv(env(tt.vars), "/data")
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want.Kind, got.Kind)
			require.Equal(t, tt.want.Bucket, got.Bucket)
			require.Equal(t, tt.want.Prefix, got.Prefix)
			require.Equal(t, tt.vars["DROVER_S3_ENDPOINT"], got.AWS.S3Endpoint)
			require.Equal(t, tt.vars["DROVER_AWS_REGION"], got.AWS.Region)
			require.Equal(t, tt.vars["DROVER_S3_PATH_STYLE"] == "1", got.AWS.S3PathStyle)
		})
	}
}

func TestOpenFS(t *testing.T) {
	dir := t.TempDir()
	logs, blobs, err := storage.Open(context.Background(), storage.Config{Kind: "fs"}, dir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "logs"), logs.(*logstore.Store).Dir)
	require.Equal(t, filepath.Join(dir, "blobs"), blobs.(*blobstore.FS).Dir)
}

func TestOpenS3(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	bucket := srv.Bucket(t, "drover")
	cfg := storage.Config{Kind: "s3", Bucket: bucket, Prefix: "ci", AWS: srv.Config()}

	logs, blobs, err := storage.Open(ctx, cfg, t.TempDir())
	require.NoError(t, err)
	obj, err := blobs.Put(ctx, "artifacts/p/c/r/s/t/a.txt", strings.NewReader("artifact"))
	require.NoError(t, err)
	b, key := blobs.(*blobstore.S3).Location(obj.Key)
	require.Equal(t, bucket, b)
	require.Equal(t, "ci/artifacts/p/c/r/s/t/a.txt", key)
	w, err := logs.Writer("builds/b/r/s/t.log")
	require.NoError(t, err)
	w.Printf("hello")
	require.NoError(t, w.Close())
	data, _, err := logs.ReadAt(ctx, "builds/b/r/s/t.log", 0, 0)
	require.NoError(t, err)
	require.Contains(t, string(data), " hello\n")

	// Each misconfiguration says what is wrong.
	missing := cfg
	missing.Bucket = "no-such-bucket"
	_, _, err = storage.Open(ctx, missing, t.TempDir())
	require.ErrorContains(t, err, `S3 bucket "no-such-bucket" (DROVER_S3_BUCKET) does not exist`)

	badKeys := cfg
	badKeys.AWS.Credentials = credentials.NewStaticCredentialsProvider(srv.AccessKey, "wrong-secret", "")
	_, _, err = storage.Open(ctx, badKeys, t.TempDir())
	require.ErrorContains(t, err, "refuses access")
	require.NotContains(t, err.Error(), "wrong-secret")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	unreachable := cfg
	unreachable.AWS.S3Endpoint = closed
	unreachable.AWS.MaxAttempts = 1
	_, _, err = storage.Open(ctx, unreachable, t.TempDir())
	require.ErrorContains(t, err, "reach S3 bucket")
	require.ErrorContains(t, err, closed)
}
