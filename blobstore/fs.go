package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FS is a Store on the local filesystem: the blob under key "a/b/c" is the
// file Dir/a/b/c.
type FS struct {
	Dir string
}

// NewFS returns a Store keeping blobs under dir, created on first Put.
func NewFS(dir string) *FS {
	return &FS{Dir: dir}
}

var _ Store = (*FS)(nil)

func (s *FS) path(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.Dir, filepath.FromSlash(key)), nil
}

// Put writes r to a temporary file next to the blob, hashing it on the way,
// and renames it into place.
func (s *FS) Put(ctx context.Context, key string, r io.Reader) (Object, error) {
	p, err := s.path(key)
	if err != nil {
		return Object{}, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return Object{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return Object{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // no-op once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx: ctx, r: r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		return Object{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	return Object{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Get opens the blob under key.
func (s *FS) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", key, notFound(err))
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("get blob %s: %w", key, ErrNotFound)
	}
	return f, nil
}

// Stat describes the blob under key; it reads the blob to hash it.
func (s *FS) Stat(ctx context.Context, key string) (Object, error) {
	return hashBlob(ctx, s, key)
}

// hashBlob describes the blob under key in store by reading and hashing it.
func hashBlob(ctx context.Context, store Store, key string) (Object, error) {
	rc, err := store.Get(ctx, key)
	if err != nil {
		return Object{}, err
	}
	defer func() { _ = rc.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx: ctx, r: rc})
	if err != nil {
		return Object{}, fmt.Errorf("stat blob %s: %w", key, err)
	}
	return Object{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// ctxReader stops a long copy once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
