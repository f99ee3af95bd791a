package blobstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
	"time"
)

// ErrChecksumMismatch is returned (wrapped) by a verified reader whose
// content does not have the SHA-256 or the size it was stored with.
var ErrChecksumMismatch = errors.New("blob checksum mismatch")

// Verify wraps rc, the content of the blob under key, so that it is checked
// against its expected size and hex SHA-256 as it is read. The read that
// reaches size bytes (or the end of rc) is checked before its bytes are
// returned: on a mismatch it returns no bytes and an error wrapping
// ErrChecksumMismatch, so a caller that copies exactly size bytes never
// passes on the whole of a tampered blob. An empty sha256 checks the size
// only; a negative size checks the content at the end of rc only.
//
// The returned reader has a Stat method reporting size, for callers that
// check a blob's size before streaming it.
func Verify(rc io.ReadCloser, key string, size int64, sha256Hex string) io.ReadCloser {
	return &verifiedReader{rc: rc, key: key, size: size, want: strings.ToLower(sha256Hex), h: sha256.New()}
}

type verifiedReader struct {
	rc       io.ReadCloser
	key      string
	size     int64
	want     string
	h        hash.Hash
	n        int64
	verified bool
	err      error
}

func (v *verifiedReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if v.verified {
		// All the expected bytes were read and checked; anything more is extra.
		n, err := v.rc.Read(p)
		if n > 0 {
			v.err = fmt.Errorf("blob %s: longer than %d bytes: %w", v.key, v.size, ErrChecksumMismatch)
			return 0, v.err
		}
		return 0, err
	}
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	switch {
	case v.size >= 0 && v.n > v.size:
		v.err = fmt.Errorf("blob %s: longer than %d bytes: %w", v.key, v.size, ErrChecksumMismatch)
		return 0, v.err
	case v.size >= 0 && v.n == v.size, errors.Is(err, io.EOF):
		if cerr := v.check(); cerr != nil {
			v.err = cerr
			return 0, cerr
		}
		v.verified = true
	case err != nil:
		v.err = fmt.Errorf("read blob %s: %w", v.key, err)
		return n, v.err
	}
	return n, err
}

// check compares what was read with what is expected.
func (v *verifiedReader) check() error {
	if v.size >= 0 && v.n != v.size {
		return fmt.Errorf("blob %s: %d bytes, expected %d: %w", v.key, v.n, v.size, ErrChecksumMismatch)
	}
	if got := hex.EncodeToString(v.h.Sum(nil)); v.want != "" && got != v.want {
		return fmt.Errorf("blob %s: sha256 %s, expected %s: %w", v.key, got, v.want, ErrChecksumMismatch)
	}
	return nil
}

func (v *verifiedReader) Close() error { return v.rc.Close() }

// Stat reports the expected size, so that a size check before streaming
// sees the size the content is verified against.
func (v *verifiedReader) Stat() (fs.FileInfo, error) {
	if st, ok := v.rc.(interface{ Stat() (fs.FileInfo, error) }); ok && v.size < 0 {
		return st.Stat()
	}
	return blobInfo{name: v.key, size: v.size}, nil
}

// blobInfo is the fs.FileInfo of a blob of known size.
type blobInfo struct {
	name string
	size int64
}

func (b blobInfo) Name() string       { return b.name }
func (b blobInfo) Size() int64        { return b.size }
func (b blobInfo) Mode() fs.FileMode  { return 0o444 }
func (b blobInfo) ModTime() time.Time { return time.Time{} }
func (b blobInfo) IsDir() bool        { return false }
func (b blobInfo) Sys() any           { return nil }
