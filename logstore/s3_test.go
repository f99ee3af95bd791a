package logstore_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/logstore"
)

// s3Logs starts an S3 server and returns a function that opens the bucket's
// logs as a new machine would, and a client to look at the bucket.
func s3Logs(t *testing.T) (open func() *logstore.S3Logs, client *s3.Client, bucket string) {
	t.Helper()
	srv := s3test.Start(t)
	bucket = srv.Bucket(t, "logs")
	client = srv.Client(t)
	return func() *logstore.S3Logs { return logstore.NewS3(srv.Client(t), bucket, "drover/logs") }, client, bucket
}

// chunkKeys lists the chunk objects of the log under key.
func chunkKeys(t *testing.T, client *s3.Client, bucket, key string) []string {
	t.Helper()
	out, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{
		Bucket: aws.String(bucket), Prefix: aws.String("drover/logs/" + key + "/")})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, strings.TrimPrefix(aws.ToString(o.Key), "drover/logs/"+key+"/"))
	}
	return keys
}

func TestS3LogsCloseFlushes(t *testing.T) {
	open, client, bucket := s3Logs(t)
	worker, api := open(), open()
	worker.FlushInterval = time.Hour // only Close uploads
	key := logstore.TaskKey("build/p/c", "r1", "verify", "unit")

	_, _, err := api.ReadAt(context.Background(), key, 0, 0)
	require.ErrorIs(t, err, logstore.ErrNotFound)

	w, err := worker.Writer(key)
	require.NoError(t, err)
	_, err = w.Write([]byte("one\ntwo\r\nthree, no newline"))
	require.NoError(t, err)
	w.Printf("=== exited with code %d ===", 0)
	require.NoError(t, w.Close())

	require.Equal(t, []string{"one", "two", "=== exited with code 0 ===", "three, no newline"}, readLines(t, api, key))
	require.Equal(t, []string{"0000000000000000"}, chunkKeys(t, client, bucket, key))

	// A retried attempt appends after the first one's lines.
	w, err = open().Writer(key)
	require.NoError(t, err)
	w.Printf("=== attempt 2 ===")
	require.NoError(t, w.Close())
	lines := readLines(t, api, key)
	require.Equal(t, "=== attempt 2 ===", lines[len(lines)-1])
	require.Len(t, chunkKeys(t, client, bucket, key), 2)
}

func TestS3LogsFollowAcrossMachines(t *testing.T) {
	open, _, _ := s3Logs(t)
	worker, api := open(), open()
	worker.FlushInterval = 20 * time.Millisecond
	key := logstore.TaskKey("build/p/c", "r1", "verify", "follow")
	w, err := worker.Writer(key)
	require.NoError(t, err)
	defer func() { _ = w.Close() }()

	// Each line reaches the other machine while the writer stays open; a
	// partial line waits for its end.
	ctx := context.Background()
	var offset int64
	var seen string
	for i := range 5 {
		_, err := fmt.Fprintf(w, "line %d\npart", i)
		require.NoError(t, err)
		_, err = w.Write([]byte("ial\n"))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			b, next, err := api.ReadAt(ctx, key, offset, 0)
			if err != nil {
				require.ErrorIs(t, err, logstore.ErrNotFound)
				return false
			}
			seen += string(b)
			offset = next
			return strings.Count(seen, "partial\n") == i+1
		}, 20*time.Second, 10*time.Millisecond, "line %d not seen", i)
		require.Contains(t, seen, fmt.Sprintf("line %d\n", i))
	}
	require.Equal(t, 10, strings.Count(seen, "\n"))
	for _, l := range strings.Split(strings.TrimSuffix(seen, "\n"), "\n") {
		require.Regexp(t, lineRE, l)
	}
	b, next, err := api.ReadAt(ctx, key, offset, 0)
	require.NoError(t, err)
	require.Empty(t, b)
	require.Equal(t, offset, next)
}

func TestS3LogsChunkBoundaries(t *testing.T) {
	open, client, bucket := s3Logs(t)
	worker := open()
	worker.FlushInterval = time.Hour
	worker.ChunkSize = 100 // about three lines a chunk
	key := "promotions/p/r/dev/deploy.log"
	w, err := worker.Writer(key)
	require.NoError(t, err)
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("output line %02d", i))
		_, err := fmt.Fprintf(w, "output line %02d\n", i)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	chunks := chunkKeys(t, client, bucket, key)
	require.Greater(t, len(chunks), 4)
	require.Equal(t, "0000000000000000", chunks[0])

	// Small reads cross chunks and stop at line ends; a read from the middle
	// of a chunk starts there.
	api := open()
	require.Equal(t, want, readLines(t, api, key))
	ctx := context.Background()
	for _, max := range []int{7, 45, 150, 0} {
		var all []byte
		for off := int64(0); ; {
			b, next, err := api.ReadAt(ctx, key, off, max)
			require.NoError(t, err)
			if len(b) == 0 {
				break
			}
			if max > 45 || max == 0 {
				require.Equal(t, byte('\n'), b[len(b)-1], "max %d: a read holding a line end stops after it", max)
			}
			require.Equal(t, next, off+int64(len(b)))
			all, off = append(all, b...), next
		}
		require.Equal(t, len(want), strings.Count(string(all), "\n"), "max %d", max)
	}
	b, _, err := api.ReadAt(ctx, key, 40, 0)
	require.NoError(t, err)
	whole, _, err := api.ReadAt(ctx, key, 0, 0)
	require.NoError(t, err)
	require.Equal(t, string(whole[40:]), string(b))
	b, next, err := api.ReadAt(ctx, key, 1<<20, 0)
	require.NoError(t, err)
	require.Empty(t, b)
	require.Equal(t, int64(1<<20), next)
}

func TestS3LogsConcurrentWriters(t *testing.T) {
	open, _, _ := s3Logs(t)
	key := "builds/b/r/s/t.log"
	first, second := open(), open()
	first.FlushInterval, second.FlushInterval = time.Hour, time.Hour
	first.ChunkSize, second.ChunkSize = 1, 1 // every write uploads
	w1, err := first.Writer(key)
	require.NoError(t, err)
	w2, err := second.Writer(key) // starts at the same end as w1
	require.NoError(t, err)
	for i := range 5 {
		_, err := fmt.Fprintf(w1, "first %d\n", i)
		require.NoError(t, err)
		_, err = fmt.Fprintf(w2, "second %d\n", i)
		require.NoError(t, err)
	}
	require.NoError(t, w1.Close())
	require.NoError(t, w2.Close())
	lines := readLines(t, open(), key)
	require.Len(t, lines, 10, "no writer overwrote the other's chunks: %q", lines)
}

func TestS3LogsInvalidKeys(t *testing.T) {
	open, client, bucket := s3Logs(t)
	logs := open()
	for _, key := range []string{"", "/abs", "../x", "a//b", "a/./b", "a\\b"} {
		_, err := logs.Writer(key)
		require.Error(t, err, key)
		_, _, err = logs.ReadAt(context.Background(), key, 0, 0)
		require.Error(t, err, key)
		require.NotErrorIs(t, err, logstore.ErrNotFound)
	}
	out, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	require.Empty(t, out.Contents)
}

func TestS3LogsReaderRelistsAfterAReplacedChunk(t *testing.T) {
	open, client, bucket := s3Logs(t)
	ctx := context.Background()
	key := "builds/b/r/s/t.log"
	put := func(offset int, body string) {
		_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket),
			Key: aws.String(fmt.Sprintf("drover/logs/%s/%016d", key, offset)), Body: strings.NewReader(body)})
		require.NoError(t, err)
	}
	put(0, "one\n")
	api := open()
	b, next, err := api.ReadAt(ctx, key, 0, 0)
	require.NoError(t, err)
	require.Equal(t, "one\n", string(b))

	// The chunk the reader knows grows (an upload retried with more lines)
	// and the next one starts after it.
	put(0, "one\ntwo\n")
	put(8, "three\n")
	b, next, err = api.ReadAt(ctx, key, next, 0)
	require.NoError(t, err)
	require.Equal(t, "two\nthree\n", string(b))
	require.Equal(t, int64(14), next)
}

// answerLostTransport forwards requests, but answers the first chunk PUT
// that got through with a 500, as when S3's answer is lost on the way.
type answerLostTransport struct {
	mu   sync.Mutex
	lost bool
}

func (a *answerLostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil || a.lost || r.Method != http.MethodPut || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	a.lost = true
	_ = resp.Body.Close()
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>lost</Message></Error>`
	return &http.Response{StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error", Proto: "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{"Content-Type": {"application/xml"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

func TestS3LogsUploadRetriedBySDKIsNotDuplicated(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t, "logs")
	client := srv.Client(t)
	lossy := s3.New(client.Options(), func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: &answerLostTransport{}} })
	logs := logstore.NewS3(lossy, bucket, "drover/logs")
	logs.FlushInterval = time.Hour
	key := "builds/b/r/s/t.log"
	w, err := logs.Writer(key)
	require.NoError(t, err)
	w.Printf("only once")
	require.NoError(t, w.Close())
	lines := readLines(t, logstore.NewS3(client, bucket, "drover/logs"), key)
	require.Equal(t, []string{"only once"}, lines)
	require.Equal(t, []string{"0000000000000000"}, chunkKeys(t, client, bucket, key))
}
