package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Entry is a stored blob as a listing sees it: its key, size and when it
// was last written.
type Entry struct {
	Key      string
	Size     int64
	Modified time.Time
}

// Pruner lists and deletes blobs; caches use it to evict old entries. FS
// and S3 implement it.
//
// List returns the blobs whose keys start with prefix (a key prefix ending
// with "/"), in no particular order. Delete removes the blob under key; a
// missing blob is no error.
type Pruner interface {
	List(ctx context.Context, prefix string) ([]Entry, error)
	Delete(ctx context.Context, key string) error
}

var (
	_ Pruner = (*FS)(nil)
	_ Pruner = (*S3)(nil)
)

// List walks the directory of prefix.
func (s *FS) List(ctx context.Context, prefix string) ([]Entry, error) {
	dir, err := s.path(strings.TrimSuffix(prefix, "/"))
	if err != nil {
		return nil, err
	}
	var out []Entry
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		rel, err := filepath.Rel(s.Dir, p)
		if err != nil {
			return err
		}
		out = append(out, Entry{Key: filepath.ToSlash(rel), Size: info.Size(), Modified: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list blobs %s: %w", prefix, err)
	}
	return out, nil
}

// Delete removes the file of key.
func (s *FS) Delete(_ context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return nil
}

// List lists the objects under Prefix + prefix.
func (s *S3) List(ctx context.Context, prefix string) ([]Entry, error) {
	var out []Entry
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix + prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list blobs %s in s3://%s: %w", prefix, s.bucket, err)
		}
		for _, o := range page.Contents {
			out = append(out, Entry{Key: strings.TrimPrefix(aws.ToString(o.Key), s.prefix), Size: aws.ToInt64(o.Size),
				Modified: aws.ToTime(o.LastModified)})
		}
	}
	return out, nil
}

// Delete deletes the object of key.
func (s *S3) Delete(ctx context.Context, key string) error {
	obj, err := s.objectKey(key)
	if err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(obj)}); err != nil {
		return fmt.Errorf("delete blob %s at s3://%s/%s: %w", key, s.bucket, obj, err)
	}
	return nil
}
