package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
)

// downloadArtifacts copies refs from the blob store into dir/<name>,
// checking each one's size and SHA-256. A bad name, a missing blob or a
// checksum mismatch is a non-retryable errType error (retrying cannot fix
// it); a failing store is a plain, retryable error.
func (a *PromotionActivities) downloadArtifacts(ctx context.Context, refs []ArtifactRef, dir, errType string, log *logstore.LineWriter) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create artifacts directory: %w", err)
	}
	for _, ref := range refs {
		if ref.Name == "" || ref.Name == "." || ref.Name == ".." || strings.ContainsAny(ref.Name, "/\\\x00") {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("artifact %q: name cannot be a file name", ref.Name), errType, nil)
		}
		if ref.Key == "" {
			// Registered by URL (POST /api/v1/artifacts): not in the blob
			// store. The deploy finds its URL in <name>.url.
			if err := os.WriteFile(filepath.Join(dir, ref.Name+".url"), []byte(ref.Path+"\n"), 0o644); err != nil {
				return fmt.Errorf("write artifact %s's URL: %w", ref.Name, err)
			}
			log.Printf("=== artifact %s: at %s (registered by URL; artifacts/%s.url holds it) ===", ref.Name, ref.Path, ref.Name)
			continue
		}
		sum, size, err := a.downloadArtifact(ctx, ref, filepath.Join(dir, ref.Name))
		if errors.Is(err, blobstore.ErrNotFound) {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("artifact %s: %s is not in the blob store", ref.Name, ref.Key), errType, nil)
		}
		if err != nil {
			return fmt.Errorf("download artifact %s: %w", ref.Name, err)
		}
		if (ref.SHA256 != "" && !strings.EqualFold(sum, ref.SHA256)) || (ref.Size > 0 && size != ref.Size) {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("artifact %s: got sha256 %s (%d bytes), want %s (%d bytes)", ref.Name, sum, size, ref.SHA256, ref.Size),
				errType, nil)
		}
		log.Printf("=== artifact %s: artifacts/%s (%d bytes, sha256 %s) ===", ref.Name, ref.Name, size, sum)
	}
	return nil
}

// downloadArtifact writes the blob of ref to file and returns its hex
// SHA-256 and size.
func (a *PromotionActivities) downloadArtifact(ctx context.Context, ref ArtifactRef, file string) (string, int64, error) {
	rc, err := a.Tasks.Blobs.Get(ctx, ref.Key)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = rc.Close() }()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return "", 0, fmt.Errorf("create %s: %w", filepath.Base(file), err)
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), rc)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("write %s: %w", filepath.Base(file), err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// artifactRefs converts a version's recorded artifacts.
func artifactRefs(arts []ledger.Artifact) []ArtifactRef {
	refs := make([]ArtifactRef, 0, len(arts))
	for _, art := range arts {
		refs = append(refs, ArtifactRef{Name: art.Name, Path: art.Path, Key: art.Key, SHA256: art.SHA256, Size: art.Size})
	}
	return refs
}
