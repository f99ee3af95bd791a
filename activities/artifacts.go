package activities

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/pipeline"
)

// uploadArtifacts stores the task's declared artifacts from workspace in the
// blob store. A path outside the workspace is a BadTask error, a missing
// artifact a TaskFailed error (both non-retryable, with result as details),
// anything else, such as a failing store, a plain, retryable error.
func (a *Activities) uploadArtifacts(ctx context.Context, in RunTaskInput, workspace string, result RunTaskResult) ([]ArtifactRef, error) {
	refs := make([]ArtifactRef, 0, len(in.Task.Artifacts))
	for _, art := range in.Task.Artifacts {
		file, err := artifactFile(workspace, art)
		var aerr artifactError
		if errors.As(err, &aerr) {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("task %s/%s: %v", in.Task.Stage, in.Task.Name, err), aerr.errType, nil, result)
		}
		if err != nil {
			return nil, err
		}
		key := blobstore.ArtifactKey(in.Project, in.Commit, in.RunID, in.Task.Stage, in.Task.Name, art.Name)
		obj, err := putFile(ctx, a.Blobs, key, file)
		if err != nil {
			return nil, fmt.Errorf("store artifact %s: %w", art.Name, err)
		}
		refs = append(refs, ArtifactRef{Name: art.Name, Path: art.Path, Key: obj.Key, SHA256: obj.SHA256, Size: obj.Size})
	}
	return refs, nil
}

// artifactError is an artifact that cannot be collected, however often the
// task is retried on this attempt's outcome; errType says whose fault it is:
// ErrTypeBadTask for a declaration that can never work, ErrTypeTaskFailed
// for a script that did not produce its artifact.
type artifactError struct {
	errType string
	msg     string
}

func (e artifactError) Error() string { return e.msg }

func badArtifact(format string, args ...any) error {
	return artifactError{errType: ErrTypeBadTask, msg: fmt.Sprintf(format, args...)}
}

func missingArtifact(format string, args ...any) error {
	return artifactError{errType: ErrTypeTaskFailed, msg: fmt.Sprintf(format, args...)}
}

// artifactFile returns the regular file that art names inside workspace,
// following symlinks only as long as they stay inside it.
func artifactFile(workspace string, art pipeline.Artifact) (string, error) {
	if art.Path == "" || filepath.IsAbs(art.Path) {
		return "", badArtifact("artifact %s: path %q must be relative to the workspace", art.Name, art.Path)
	}
	root, err := filepath.EvalSymlinks(workspace)
	if err != nil {
		return "", fmt.Errorf("artifact %s: resolve workspace: %w", art.Name, err)
	}
	joined := filepath.Join(root, art.Path)
	if !inside(root, joined) {
		return "", badArtifact("artifact %s: path %q escapes the workspace", art.Name, art.Path)
	}
	real, err := filepath.EvalSymlinks(joined)
	if errors.Is(err, fs.ErrNotExist) {
		return "", missingArtifact("artifact %s: %s was not produced", art.Name, art.Path)
	}
	if err != nil {
		return "", fmt.Errorf("artifact %s: resolve %s: %w", art.Name, art.Path, err)
	}
	if !inside(root, real) {
		return "", badArtifact("artifact %s: path %q leads out of the workspace", art.Name, art.Path)
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("artifact %s: %w", art.Name, err)
	}
	if !st.Mode().IsRegular() {
		return "", missingArtifact("artifact %s: %s is not a regular file", art.Name, art.Path)
	}
	return real, nil
}

func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func putFile(ctx context.Context, store blobstore.Store, key, file string) (blobstore.Object, error) {
	f, err := os.Open(file)
	if err != nil {
		return blobstore.Object{}, fmt.Errorf("open %s: %w", filepath.Base(file), err)
	}
	defer func() { _ = f.Close() }()
	return store.Put(ctx, key, f)
}
