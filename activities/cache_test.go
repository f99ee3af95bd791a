package activities_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/pipeline"
)

// cachedDownload is a task that "downloads" into its cached paths only
// when they are missing, counting downloads in the file counter.
func cachedDownload(counter string) activities.RunTaskInput {
	in := taskInput(`if [ ! -e .cache/dl/lib.txt ] || [ ! -e ~/mod/pkg.txt ]; then
  echo download >> ` + counter + `
  mkdir -p .cache/dl ~/mod && echo lib > .cache/dl/lib.txt && echo pkg > ~/mod/pkg.txt
  ln -sf lib.txt .cache/dl/link
fi
cat .cache/dl/link ~/mod/pkg.txt`)
	in.Task.Checkout = false
	in.Task.Caches = []pipeline.Cache{{Key: "deps-v1", Paths: []string{".cache/dl", "~/mod"}}}
	return in
}

func downloads(t *testing.T, counter string) int {
	t.Helper()
	b, err := os.ReadFile(counter)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(b), "download")
}

func TestRunTaskCacheRestoredSkipsTheDownload(t *testing.T) {
	a := newActivities(t)
	counter := filepath.Join(t.TempDir(), "count")
	in := cachedDownload(counter)
	in.SecretsAllowed = true
	res, err := runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Equal(t, "lib\npkg\n", res.OutputTail)
	require.Equal(t, 1, downloads(t, counter))
	log := readLog(t, a, in)
	require.Contains(t, log, "=== cache deps-v1: miss ===")
	require.Contains(t, log, "=== cache deps-v1: saved (")

	in.RunID = "run-2"
	res, err = runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Equal(t, "lib\npkg\n", res.OutputTail)
	require.Equal(t, 1, downloads(t, counter), "the second run found the cache")
	require.Contains(t, readLog(t, a, in), "=== cache deps-v1: restored (")

	// A build of an untrusted branch reads none of the trusted builds' caches.
	in.RunID, in.SecretsAllowed = "run-3", false
	_, err = runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Equal(t, 2, downloads(t, counter))
	requireNoWorkspaces(t, a)
}

func TestRunTaskCacheKeyHashesAFile(t *testing.T) {
	a := newActivities(t)
	counter := filepath.Join(t.TempDir(), "count")
	in := cachedDownload(counter)
	in.Task.Run = "echo v1 > go.sum\n" + in.Task.Run
	in.Task.Caches[0].Key = "deps-{hash:go.sum}"
	_, err := runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	// The key is computed before the script runs: go.sum is missing then.
	require.Contains(t, readLog(t, a, in), "=== cache deps-{hash:go.sum}: cannot hash go.sum: ")
}

// putCache stores raw bytes as the trusted cache entry key of project foas.
func putCache(t *testing.T, a *activities.Activities, key string, data []byte) {
	t.Helper()
	_, err := a.Blobs.Put(context.Background(), activities.CacheKeyPrefix("foas", activities.CacheScopeTrusted)+key+".tar.gz", bytes.NewReader(data))
	require.NoError(t, err)
}

func cacheArchive(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range entries {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

func TestRunTaskCorruptOrHostileCacheNeverFailsTheTask(t *testing.T) {
	outside := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"not gzip", []byte("garbage")},
		{"truncated", cacheArchive(t, map[string]string{"w/.cache/dl/lib.txt": strings.Repeat("x", 4096)})[:60]},
		{"entry outside the paths", cacheArchive(t, map[string]string{"w/.cache/dl/lib.txt": "lib\n", "w/Makefile": "evil\n"})},
		{"dot-dot escape", cacheArchive(t, map[string]string{"w/.cache/dl/../../../" + filepath.Base(outside) + "/pwned": "evil\n"})},
		{"absolute", cacheArchive(t, map[string]string{"w/" + outside + "/pwned": "evil\n"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newActivities(t)
			counter := filepath.Join(t.TempDir(), "count")
			in := cachedDownload(counter)
			in.SecretsAllowed = true
			in.Task.Run = "[ ! -e Makefile ] || exit 9\n" + in.Task.Run
			putCache(t, a, "deps-v1", tc.data)
			res, err := runTask(context.Background(), t, a, in)
			require.NoError(t, err)
			require.Equal(t, "lib\npkg\n", res.OutputTail)
			require.Equal(t, 1, downloads(t, counter), "nothing of the bad cache was used")
			log := readLog(t, a, in)
			require.Contains(t, log, "=== cache deps-v1: unusable, ignored (")
			require.Contains(t, log, "=== cache deps-v1: saved (", "a good entry replaces it")
			require.NoFileExists(t, filepath.Join(outside, "pwned"))

			in.RunID = "run-2"
			_, err = runTask(context.Background(), t, a, in)
			require.NoError(t, err)
			require.Equal(t, 1, downloads(t, counter))
		})
	}
}

func TestRunTaskCachesEvictTheOldestPastTheLimit(t *testing.T) {
	a := newActivities(t)
	a.CacheMaxBytes = 1500
	for i, key := range []string{"one", "two", "three"} {
		in := taskInput("mkdir -p c && head -c 1000 /dev/urandom > c/blob")
		in.RunID, in.Task.Checkout = "run-"+key, false
		in.Task.Caches = []pipeline.Cache{{Key: key, Paths: []string{"c"}}}
		_, err := runTask(context.Background(), t, a, in)
		require.NoError(t, err, "run %d", i)
	}
	entries, err := os.ReadDir(filepath.Join(filepath.Dir(a.DataDir), "blobs", "caches", "foas", activities.CacheScopeUntrusted))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"three.tar.gz"}, names, "each entry is over 750 bytes: only the newest fits")
}

// TestRunTaskNeedsAndCachesOnS3 runs needs and caches against the S3 blob
// store: a cache restored on the second run, and a need whose object was
// replaced behind Drover's back refused by its checksum.
func TestRunTaskNeedsAndCachesOnS3(t *testing.T) {
	srv := s3test.Start(t)
	store := blobstore.NewS3(srv.Client(t), srv.Bucket(t, "blobs"), "drover")
	store.TempDir = t.TempDir()
	a := newActivities(t)
	a.Blobs = store

	counter := filepath.Join(t.TempDir(), "count")
	in := cachedDownload(counter)
	for _, run := range []string{"run-1", "run-2"} {
		in.RunID = run
		_, err := runTask(context.Background(), t, a, in)
		require.NoError(t, err)
	}
	require.Equal(t, 1, downloads(t, counter))

	ref := storeNeed(t, a, "app", "dist/app", "binary-v1\n")
	bucket, key := store.Location(ref.Key)
	_, err := srv.Client(t).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: strings.NewReader("binary-v2\n")})
	require.NoError(t, err)
	need := taskInput("true")
	need.Needs = []activities.ArtifactRef{ref}
	_, err = runTask(context.Background(), t, a, need)
	require.Contains(t, appError(t, err).Error(), "checksum mismatch")
}
