package activities

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/logstore"
)

// downloadNeeds writes the artifacts the task needs into workspace, each at
// its path, checking its size and sha256 as it is read. Files are written
// through an os.Root of the workspace, so a checkout's symlink cannot lead a
// download out of it. A blob that is missing or does not match its checksum
// (tampered with, or corrupted) fails the task with a non-retryable BadTask
// error; a failing blob store is a plain, retryable error.
func (a *Activities) downloadNeeds(ctx context.Context, in RunTaskInput, workspace string, log *logstore.LineWriter) error {
	if len(in.Needs) == 0 {
		return nil
	}
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return fmt.Errorf("needed artifacts: open workspace: %w", err)
	}
	defer func() { _ = root.Close() }()
	for _, ref := range in.Needs {
		err := a.downloadNeed(ctx, root, ref)
		if err == nil {
			log.Printf("=== needs %s: %s (%d bytes, sha256 %s) ===", ref.Name, ref.Path, ref.Size, ref.SHA256)
			continue
		}
		log.Printf("=== needs %s: %v ===", ref.Name, err)
		if errors.Is(err, blobstore.ErrChecksumMismatch) || errors.Is(err, blobstore.ErrNotFound) || errors.Is(err, errNeedNotStored) ||
			errors.Is(err, errNeedPath) {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("task %s/%s: needed artifact %s: %v", in.Task.Stage, in.Task.Name, ref.Name, err), ErrTypeBadTask, nil)
		}
		return fmt.Errorf("task %s/%s: needed artifact %s: %w", in.Task.Stage, in.Task.Name, ref.Name, err)
	}
	return nil
}

var (
	errNeedNotStored = errors.New("the task that makes it stored no such artifact")
	// errNeedPath: the path cannot be written inside the workspace (a
	// checkout's symlink leads out of it, or a directory is in the way).
	errNeedPath = errors.New("cannot be written in the workspace")
)

func (a *Activities) downloadNeed(ctx context.Context, root *os.Root, ref ArtifactRef) (err error) {
	if ref.Key == "" {
		return errNeedNotStored
	}
	rel := filepath.FromSlash(ref.Path)
	if dir := filepath.Dir(rel); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w: %w", dir, errNeedPath, err)
		}
	}
	rc, err := a.Blobs.Get(ctx, ref.Key)
	if err != nil {
		return err
	}
	verified := blobstore.Verify(rc, ref.Key, ref.Size, ref.SHA256)
	defer func() { _ = verified.Close() }()
	f, err := root.OpenFile(rel, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w: %w", ref.Path, errNeedPath, err)
	}
	_, err = io.Copy(f, verified)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// No partial or unverified file is left for the script.
		_ = root.Remove(rel)
		return err
	}
	return nil
}
