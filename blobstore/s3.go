package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// SHA256Metadata is the user metadata key (x-amz-meta-sha256) under which S3
// keeps the hex SHA-256 of a blob's content.
const SHA256Metadata = "sha256"

// S3 is a Store in an S3 bucket: the blob under key "a/b/c" is the object
// Prefix + "a/b/c". Each object carries the hex SHA-256 of its content in
// its metadata, and Get verifies it while the content is read.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string
	// TempDir is where Put buffers content to learn its size and checksum
	// before uploading; empty means os.TempDir().
	TempDir string
}

// NewS3 returns a Store keeping blobs in bucket under prefix; a prefix that
// does not end with "/" gets one.
func NewS3(client *s3.Client, bucket, prefix string) *S3 {
	return &S3{client: client, bucket: bucket, prefix: JoinPrefix(prefix)}
}

var _ Store = (*S3)(nil)

// JoinPrefix returns prefix ending with "/", or "" for an empty prefix.
func JoinPrefix(prefix string) string {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		return prefix + "/"
	}
	return prefix
}

// Location names the object holding the blob under key, as in
// s3://bucket/objectKey.
func (s *S3) Location(key string) (bucket, objectKey string) {
	return s.bucket, s.prefix + key
}

func (s *S3) objectKey(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// Put buffers r into a temporary file, hashing it on the way, then uploads
// it with its size, its SHA-256 in the metadata and an x-amz-checksum-sha256
// that S3 checks on arrival. S3 replaces objects atomically, so a reader
// never sees a partly written blob.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (Object, error) {
	obj, err := s.objectKey(key)
	if err != nil {
		return Object{}, err
	}
	tmp, err := os.CreateTemp(s.TempDir, "drover-blob-*")
	if err != nil {
		return Object{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx: ctx, r: r})
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		return Object{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	sum := h.Sum(nil)
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:         aws.String(s.bucket),
		Key:            aws.String(obj),
		Body:           tmp,
		ContentLength:  aws.Int64(n),
		ContentType:    aws.String("application/octet-stream"),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum)),
		Metadata:       map[string]string{SHA256Metadata: hex.EncodeToString(sum)},
	})
	if err != nil {
		return Object{}, fmt.Errorf("put blob %s to s3://%s/%s: %w", key, s.bucket, obj, err)
	}
	return Object{Key: key, Size: n, SHA256: hex.EncodeToString(sum)}, nil
}

// Get opens the blob under key. The reader fails with ErrChecksumMismatch
// instead of returning the last bytes of content that does not match the
// SHA-256 stored with it (see Verify). Objects without that metadata, which
// Drover did not write, are returned unverified.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.objectKey(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(obj)})
	if err != nil {
		return nil, fmt.Errorf("get blob %s from s3://%s/%s: %w", key, s.bucket, obj, s3NotFound(err))
	}
	size := int64(-1) // unknown: checked at the end of the body
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return Verify(out.Body, key, size, out.Metadata[SHA256Metadata]), nil
}

// Stat describes the blob under key from its metadata, without reading it;
// an object without SHA-256 metadata is read to hash it.
func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	obj, err := s.objectKey(key)
	if err != nil {
		return Object{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(obj)})
	if err != nil {
		return Object{}, fmt.Errorf("stat blob %s at s3://%s/%s: %w", key, s.bucket, obj, s3NotFound(err))
	}
	if sum := out.Metadata[SHA256Metadata]; sum != "" {
		return Object{Key: key, Size: aws.ToInt64(out.ContentLength), SHA256: strings.ToLower(sum)}, nil
	}
	return hashBlob(ctx, s, key)
}

// s3NotFound wraps err with ErrNotFound when S3 says the object does not
// exist (GetObject's NoSuchKey, HeadObject's bodiless NotFound). A missing
// bucket is a configuration error, not a missing blob.
func s3NotFound(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		}
	}
	return err
}
