// Package blobstore keeps blobs such as build artifacts under slash-separated
// keys. FS stores them on the local filesystem, S3 in an S3 bucket (AWS or
// any S3-compatible server).
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNotFound is returned (wrapped) when a key holds no blob.
var ErrNotFound = errors.New("blob not found")

// Object describes a stored blob.
type Object struct {
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Store keeps blobs under slash-separated keys.
//
// Put stores the content of r under key, replacing any previous blob, and
// reports its size and hex SHA-256; a reader never sees a partly written blob.
// Get opens the blob under key; errors.Is(err, ErrNotFound) when there is none.
// Stat describes the blob under key; errors.Is(err, ErrNotFound) when there is none.
// Keys that are empty, absolute, or contain empty, "." or ".." segments are
// refused with an error.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader) (Object, error)
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (Object, error)
}

// ArtifactKey is the key of an artifact produced by a task of a build run:
// "artifacts/<project>/<commit>/<runID>/<stage>/<task>/<name>".
func ArtifactKey(project, commit, runID, stage, task, name string) string {
	// Joined without cleaning so that a ".." in any part is refused by
	// ValidateKey instead of silently moving the key elsewhere.
	return strings.Join([]string{"artifacts", project, commit, runID, stage, task, name}, "/")
}

// ValidateKey reports why key cannot name a blob, or nil when it can.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("invalid blob key: empty")
	}
	if strings.HasPrefix(key, "/") {
		return fmt.Errorf("invalid blob key %q: absolute", key)
	}
	if strings.ContainsRune(key, '\\') || strings.ContainsRune(key, 0) {
		return fmt.Errorf("invalid blob key %q: forbidden character", key)
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("invalid blob key %q: empty segment", key)
		case ".", "..":
			return fmt.Errorf("invalid blob key %q: relative segment %q", key, seg)
		}
	}
	return nil
}
