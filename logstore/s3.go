package logstore

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Defaults of S3Logs.
const (
	DefaultFlushInterval = time.Second
	DefaultChunkSize     = 1 << 20
)

// offsetDigits is the width of the zero-padded offset naming a chunk, so
// that S3's lexical listing order is the chunks' order in the log.
const offsetDigits = 16

// s3Timeout bounds one S3 call made without a caller's context.
const s3Timeout = 30 * time.Second

// maxIndexed bounds how many logs' chunk lists an S3Logs remembers.
const maxIndexed = 1024

// S3Logs is the S3 implementation of Logs. A log is a series of chunk
// objects, each holding whole lines: the log under key is the objects
// "<prefix><key>/<16-digit zero-padded offset of the chunk's first byte>".
// A writer uploads what it has buffered every FlushInterval, when its buffer
// passes ChunkSize and on Close, so a reader on another machine sees a
// running task's output about a second late.
type S3Logs struct {
	client *s3.Client
	bucket string
	prefix string
	// FlushInterval is how often a writer uploads its buffer; default 1s.
	FlushInterval time.Duration
	// ChunkSize is the buffer size past which a write uploads at once;
	// default 1 MiB.
	ChunkSize int

	mu sync.Mutex
	// index remembers each log's chunks seen so far: chunks never change
	// once written, so a reader lists only the ones after them.
	index map[string][]chunk
}

// chunk is one object of a log: size bytes from offset.
type chunk struct {
	offset, size int64
}

func (c chunk) end() int64 { return c.offset + c.size }

// NewS3 returns Logs kept in bucket under prefix; a prefix that does not end
// with "/" gets one.
func NewS3(client *s3.Client, bucket, prefix string) *S3Logs {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &S3Logs{client: client, bucket: bucket, prefix: prefix, index: map[string][]chunk{}}
}

var _ Logs = (*S3Logs)(nil)

// Writer opens the log under key for appending: its chunks start where the
// log's existing chunks end (a retried task appends to its log).
func (l *S3Logs) Writer(key string) (*LineWriter, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	chunks, err := l.list(ctx, key, "")
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", key, err)
	}
	var end int64
	if n := len(chunks); n > 0 {
		end = chunks[n-1].end()
	}
	return newLineWriter(newS3Sink(l, key, end)), nil
}

// ReadAt reads the log under key as Logs says, from the chunks holding
// offset and the ones after it.
func (l *S3Logs) ReadAt(ctx context.Context, key string, offset int64, max int) ([]byte, int64, error) {
	max, err := readArgs(ctx, key, offset, max)
	if err != nil {
		return nil, offset, err
	}
	if err := validateKey(key); err != nil {
		return nil, offset, err
	}
	chunks, err := l.chunksFrom(ctx, key, offset)
	if err != nil {
		return nil, offset, fmt.Errorf("read log %s: %w", key, err)
	}
	if len(chunks) == 0 {
		return nil, offset, fmt.Errorf("read log %s: %w", key, ErrNotFound)
	}
	i := sort.Search(len(chunks), func(i int) bool { return chunks[i].end() > offset })
	if i < len(chunks) && chunks[i].offset > offset {
		// No chunk known holds offset: the remembered chunks are stale
		// (a writer replaced one), so list them all again.
		l.forget(key)
		if chunks, err = l.chunksFrom(ctx, key, offset); err != nil {
			return nil, offset, fmt.Errorf("read log %s: %w", key, err)
		}
		i = sort.Search(len(chunks), func(i int) bool { return chunks[i].end() > offset })
		if i < len(chunks) && chunks[i].offset > offset {
			return nil, offset, fmt.Errorf("read log %s: no chunk holds offset %d", key, offset)
		}
	}
	buf, err := l.readRange(ctx, key, chunks[i:], offset, max)
	if err != nil {
		return nil, offset, fmt.Errorf("read log %s at %d: %w", key, offset, err)
	}
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i+1]
	}
	return buf, offset + int64(len(buf)), nil
}

// chunksFrom returns the chunks of the log known so far, listing the bucket
// for newer ones when offset is past the last one known.
func (l *S3Logs) chunksFrom(ctx context.Context, key string, offset int64) ([]chunk, error) {
	l.mu.Lock()
	known := l.index[key]
	l.mu.Unlock()
	if n := len(known); n > 0 && known[n-1].end() > offset {
		return known, nil
	}
	after := ""
	if n := len(known); n > 0 {
		after = l.chunkKey(key, known[n-1].offset)
	}
	more, err := l.list(ctx, key, after)
	if err != nil {
		return nil, err
	}
	if len(more) == 0 {
		return known, nil
	}
	all := append(known[:len(known):len(known)], more...)
	l.mu.Lock()
	if len(l.index) >= maxIndexed {
		clear(l.index)
	}
	l.index[key] = all
	l.mu.Unlock()
	return all, nil
}

func (l *S3Logs) forget(key string) {
	l.mu.Lock()
	delete(l.index, key)
	l.mu.Unlock()
}

// list returns the chunks of the log under key whose object keys come after
// after (all of them when after is empty), in order.
func (l *S3Logs) list(ctx context.Context, key, after string) ([]chunk, error) {
	dir := l.prefix + key + "/"
	in := &s3.ListObjectsV2Input{Bucket: aws.String(l.bucket), Prefix: aws.String(dir)}
	if after != "" {
		in.StartAfter = aws.String(after)
	}
	var chunks []chunk
	for p := s3.NewListObjectsV2Paginator(l.client, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", l.bucket, dir, err)
		}
		for _, o := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), dir)
			if len(name) != offsetDigits {
				continue // not a chunk
			}
			off, err := strconv.ParseInt(name, 10, 64)
			if err != nil || aws.ToInt64(o.Size) == 0 {
				continue
			}
			chunks = append(chunks, chunk{offset: off, size: aws.ToInt64(o.Size)})
		}
	}
	return chunks, nil
}

func (l *S3Logs) chunkKey(key string, offset int64) string {
	return fmt.Sprintf("%s%s/%0*d", l.prefix, key, offsetDigits, offset)
}

func (l *S3Logs) flushInterval() time.Duration {
	if l.FlushInterval > 0 {
		return l.FlushInterval
	}
	return DefaultFlushInterval
}

func (l *S3Logs) chunkSize() int {
	if l.ChunkSize > 0 {
		return l.ChunkSize
	}
	return DefaultChunkSize
}
