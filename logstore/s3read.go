package logstore

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// readParallel is how many chunks one read fetches at once: a long log of
// a task with sparse output is thousands of small chunks.
const readParallel = 8

// chunkRead is the part of one chunk a read needs.
type chunkRead struct {
	c       chunk
	from, n int64
	data    []byte
	err     error
}

// readRange returns up to max bytes of the log from offset, fetching the
// chunks holding them (chunks[0] holds offset) in parallel. It stops at a
// gap between chunks: the next read, starting there, lists them again.
func (l *S3Logs) readRange(ctx context.Context, key string, chunks []chunk, offset int64, max int) ([]byte, error) {
	var reads []chunkRead
	at, total := offset, int64(0)
	for _, c := range chunks {
		if total >= int64(max) || c.offset > at {
			break
		}
		n := min(c.end()-at, int64(max)-total)
		reads = append(reads, chunkRead{c: c, from: at - c.offset, n: n})
		at, total = at+n, total+n
	}
	sem := make(chan struct{}, readParallel)
	var wg sync.WaitGroup
	for i := range reads {
		r := &reads[i]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.data, r.err = l.readChunk(ctx, key, r.c, r.from, r.n)
		}()
	}
	wg.Wait()
	buf := make([]byte, 0, total)
	for _, r := range reads {
		if r.err != nil {
			return nil, r.err
		}
		buf = append(buf, r.data...)
		if int64(len(r.data)) < r.n {
			break // a chunk shorter than listed: stop where the bytes do
		}
	}
	return buf, nil
}

// readChunk returns n bytes of chunk c from from.
func (l *S3Logs) readChunk(ctx context.Context, key string, c chunk, from, n int64) ([]byte, error) {
	obj := l.chunkKey(key, c.offset)
	out, err := l.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(l.bucket),
		Key:    aws.String(obj),
		Range:  aws.String(fmt.Sprintf("bytes=%d-%d", from, from+n-1)),
	})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", l.bucket, obj, err)
	}
	defer func() { _ = out.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(out.Body, n))
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", l.bucket, obj, err)
	}
	return b, nil
}
