package logstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// s3Sink is the sink of a LineWriter on S3Logs: it buffers whole lines and
// uploads them as a chunk every flush interval, when the buffer passes the
// chunk size, and on Close. A failed upload is retried with the same bytes
// at the same offset, so chunks never overlap; a background upload that
// fails is retried at the next tick, and only a failing upload of a full
// buffer or the last upload fails the writer.
type s3Sink struct {
	logs *S3Logs
	key  string

	mu  sync.Mutex // guards buf
	buf []byte

	flushMu sync.Mutex // one upload at a time; guards offset and pending
	offset  int64      // where the next chunk starts in the log
	pending []byte     // the chunk being uploaded, kept until it is

	stop chan struct{}
	done chan struct{}
}

func newS3Sink(l *S3Logs, key string, offset int64) *s3Sink {
	s := &s3Sink{logs: l, key: key, offset: offset, stop: make(chan struct{}), done: make(chan struct{})}
	go s.tick(l.flushInterval())
	return s
}

// Write buffers p, which holds whole lines.
func (s *s3Sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf = append(s.buf, p...)
	full := len(s.buf) >= s.logs.chunkSize()
	s.mu.Unlock()
	if full {
		if err := s.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Close stops the ticker and uploads what is left.
func (s *s3Sink) Close() error {
	close(s.stop)
	<-s.done
	return s.flush()
}

func (s *s3Sink) tick(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_ = s.flush() // retried at the next tick, or by Close
		}
	}
}

// flush uploads the pending chunk, then the buffer, until nothing is left.
func (s *s3Sink) flush() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	for {
		if s.pending == nil {
			s.mu.Lock()
			s.pending, s.buf = s.buf, nil
			s.mu.Unlock()
		}
		if len(s.pending) == 0 {
			s.pending = nil
			return nil
		}
		if err := s.upload(s.pending); err != nil {
			return fmt.Errorf("write log %s at %d: %w", s.key, s.offset, err)
		}
		s.offset += int64(len(s.pending))
		s.pending = nil
	}
}

// upload writes chunk at s.offset unless a chunk is there already: another
// writer of the same log (a retried attempt while the first still runs)
// took that offset, and the chunk goes after the log's end instead.
func (s *s3Sink) upload(chunk []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	for range 5 {
		_, err := s.logs.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        aws.String(s.logs.bucket),
			Key:           aws.String(s.logs.chunkKey(s.key, s.offset)),
			Body:          bytes.NewReader(chunk),
			ContentLength: aws.Int64(int64(len(chunk))),
			ContentType:   aws.String("text/plain; charset=utf-8"),
			IfNoneMatch:   aws.String("*"),
		})
		if !isPreconditionFailed(err) {
			return err
		}
		// The SDK retries a PUT whose answer was lost or a 5xx: when the
		// chunk there is this one, the first try got through.
		if mine, err := s.chunkIs(ctx, s.offset, chunk); err != nil || mine {
			return err
		}
		chunks, err := s.logs.list(ctx, s.key, "")
		if err != nil {
			return err
		}
		if n := len(chunks); n > 0 && chunks[n-1].end() > s.offset {
			s.offset = chunks[n-1].end()
		}
	}
	return errors.New("other writers keep taking the log's end")
}

// chunkIs says whether the chunk at offset holds exactly chunk.
func (s *s3Sink) chunkIs(ctx context.Context, offset int64, chunk []byte) (bool, error) {
	out, err := s.logs.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.logs.bucket), Key: aws.String(s.logs.chunkKey(s.key, offset))})
	if err != nil {
		return false, err
	}
	defer func() { _ = out.Body.Close() }()
	got, err := io.ReadAll(io.LimitReader(out.Body, int64(len(chunk))+1))
	if err != nil {
		return false, err
	}
	return bytes.Equal(got, chunk), nil
}

func isPreconditionFailed(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "PreconditionFailed"
}
