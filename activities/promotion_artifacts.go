package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
//
// dir is usually in a checkout of the version's commit, which the commit
// controls: dir and the files in it are made and written through an
// os.Root, so that a link of the checkout (dir itself, or a file of it)
// leading out of the workspace fails the step (not retried) instead of
// having the worker write where it points.
func (a *PromotionActivities) downloadArtifacts(ctx context.Context, refs []ArtifactRef, dir, errType string, log *logstore.LineWriter) error {
	root, err := artifactsRoot(dir, errType)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, ref := range refs {
		if ref.Name == "" || ref.Name == "." || ref.Name == ".." || strings.ContainsAny(ref.Name, "/\\\x00") {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("artifact %q: name cannot be a file name", ref.Name), errType, nil)
		}
		if ref.Key == "" {
			// Registered by URL (POST /api/v1/artifacts): not in the blob
			// store. The deploy finds its URL in <name>.url.
			if err := writeIn(root, ref.Name+".url", []byte(ref.Path+"\n")); err != nil {
				return temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("artifact %s: write %s/%s.url: %v", ref.Name, filepath.Base(dir), ref.Name, err), errType, nil)
			}
			log.Printf("=== artifact %s: at %s (registered by URL; artifacts/%s.url holds it) ===", ref.Name, ref.Path, ref.Name)
			continue
		}
		sum, size, err := a.downloadArtifact(ctx, ref, root, filepath.Base(dir), errType)
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

// downloadArtifact writes the blob of ref to ref.Name in root (the
// directory dirName) and returns its hex SHA-256 and size. A file that
// cannot be made there (a link of the checkout leading out of root) is a
// non-retryable errType error.
func (a *PromotionActivities) downloadArtifact(ctx context.Context, ref ArtifactRef, root *os.Root, dirName, errType string) (string, int64, error) {
	rc, err := a.Tasks.Blobs.Get(ctx, ref.Key)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = rc.Close() }()
	f, err := createIn(root, ref.Name)
	if err != nil {
		return "", 0, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("artifact %s: create %s/%s: %v", ref.Name, dirName, ref.Name, err), errType, nil)
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), rc)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("write %s: %w", ref.Name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// artifactsRoot makes the directory dir when it does not exist and opens
// it as an os.Root. dir existing as something that cannot be opened as a
// directory inside its parent (a checkout's link leading out of the
// workspace) is a non-retryable errType error.
func artifactsRoot(dir, errType string) (*os.Root, error) {
	parent, err := os.OpenRoot(filepath.Dir(dir))
	if err != nil {
		return nil, fmt.Errorf("open the artifacts directory's parent: %w", err)
	}
	defer parent.Close()
	name := filepath.Base(dir)
	if err := parent.Mkdir(name, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create artifacts directory: %w", err)
	}
	root, err := parent.OpenRoot(name)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("artifacts directory %s: %v (the checkout's %s must be a directory of the workspace, or absent)", name, err, name),
			errType, nil)
	}
	return root, nil
}

// createIn creates (or truncates) the file name in root: an existing link
// is removed first, so the file is the worker's own, never a link's target.
func createIn(root *os.Root, name string) (*os.File, error) {
	if fi, err := root.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if err := root.Remove(name); err != nil {
			return nil, err
		}
	}
	return root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
}

// writeIn writes data to the file name in root, as createIn makes it.
func writeIn(root *os.Root, name string, data []byte) error {
	f, err := createIn(root, name)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
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
// than a letter or digit made "_": puppet-foas is PUPPET_FOAS). Names
// that make the same variable (puppet-foas, puppet.foas) get none, so that
// one cannot pass for the other; the file lists them all.
func writeArtifactVersions(workspace string, refs []ArtifactRef, commit string) ([]string, error) {
	entries := make([]artifactVersion, 0, len(refs))
	var env []string
	uses := map[string]int{}
	for _, ref := range refs {
		uses[ArtifactEnvName(ref.Name)]++
	}
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
		if e.SourceVersion != "" && uses[ArtifactEnvName(ref.Name)] == 1 {
			env = append(env, "DROVER_ARTIFACT_"+ArtifactEnvName(ref.Name)+"_VERSION="+e.SourceVersion)
		}
	}
	b, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode artifact versions: %w", err)
	}
	// The checkout's own file of that name, maybe a link, is replaced.
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return nil, fmt.Errorf("write artifact versions: %w", err)
	}
	defer root.Close()
	if err := writeIn(root, artifactVersionsFile, append(b, '\n')); err != nil {
		return nil, fmt.Errorf("write artifact versions to %s: %w", artifactVersionsFile, err)
	}
	return append(env, "DROVER_ARTIFACTS_JSON="+filepath.Join(workspace, artifactVersionsFile)), nil
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
