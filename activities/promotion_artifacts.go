package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
		refs = append(refs, ArtifactRef{Name: art.Name, Path: art.Path, Key: art.Key, SHA256: art.SHA256, Size: art.Size,
			SourceRepository: art.SourceRepository, SourceVersion: art.SourceVersion})
	}
	return refs
}

// artifactVersionsFile is where a step finds the version's artifacts with
// their source versions, in its workspace ($DROVER_ARTIFACTS_JSON).
const artifactVersionsFile = ".drover-artifacts.json"

// artifactVersion is one entry of artifactVersionsFile.
type artifactVersion struct {
	Name             string `json:"name"`
	SourceRepository string `json:"source_repository,omitempty"`
	SourceVersion    string `json:"source_version"`
	// File is the artifact in $DROVER_ARTIFACTS_DIR: the blob, or
	// <name>.url holding its URL.
	File   string `json:"file"`
	URL    string `json:"url,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
}

// writeArtifactVersions writes refs, with their source versions (commit
// when an artifact names none: it was built from the version's commit),
// to the workspace's artifactVersionsFile and returns the variables that
// tell a step of them: DROVER_ARTIFACTS_JSON, and per artifact
// DROVER_ARTIFACT_<NAME>_VERSION (NAME upper-cased, each character other
// than a letter or digit made "_": puppet-foas is PUPPET_FOAS).
func writeArtifactVersions(workspace string, refs []ArtifactRef, commit string) ([]string, error) {
	entries := make([]artifactVersion, 0, len(refs))
	var env []string
	for _, ref := range refs {
		e := artifactVersion{Name: ref.Name, SourceRepository: ref.SourceRepository, SourceVersion: ref.SourceVersion,
			File: ref.Name, SHA256: ref.SHA256, Size: ref.Size}
		if e.SourceVersion == "" {
			e.SourceVersion = commit
		}
		if ref.Key == "" {
			e.File, e.URL = ref.Name+".url", ref.Path
		}
		entries = append(entries, e)
		if e.SourceVersion != "" {
			env = append(env, "DROVER_ARTIFACT_"+ArtifactEnvName(ref.Name)+"_VERSION="+e.SourceVersion)
		}
	}
	b, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode artifact versions: %w", err)
	}
	file := filepath.Join(workspace, artifactVersionsFile)
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write artifact versions: %w", err)
	}
	return append(env, "DROVER_ARTIFACTS_JSON="+file), nil
}

// ArtifactEnvName is an artifact's name as it appears in the variable
// DROVER_ARTIFACT_<NAME>_VERSION: upper-cased, each character other than
// an ASCII letter or digit replaced by "_".
func ArtifactEnvName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
}
