package activities

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/drover-ci/drover/sandbox"
)

// newWorkspace creates an empty directory for one task attempt under
// DataDir/workspaces.
func (a *Activities) newWorkspace() (string, error) {
	base, err := filepath.Abs(filepath.Join(a.DataDir, "workspaces"))
	if err != nil {
		return "", fmt.Errorf("create workspace: %w", err)
	}
	dir := filepath.Join(base, uuid.NewString())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create workspace: %w", err)
	}
	return dir, nil
}

// newServiceWorkspace creates the workspace of a service step, which runs as
// the sandbox's own uid: under <temp dir>/drover-services, whose mode lets
// that uid reach (not list) it, whatever the data dir's parents allow.
func (a *Activities) newServiceWorkspace() (string, error) {
	base := filepath.Join(os.TempDir(), "drover-services")
	if err := os.MkdirAll(base, sandbox.ServiceDirMode); err != nil {
		return "", fmt.Errorf("create service workspace: %w", err)
	}
	if err := os.Chmod(base, sandbox.ServiceDirMode); err != nil {
		return "", fmt.Errorf("create service workspace: %w", err)
	}
	dir := filepath.Join(base, uuid.NewString())
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("create service workspace: %w", err)
	}
	return dir, nil
}

// removeWorkspace removes dir, making read-only directories (such as a Go
// module cache) writable first when a plain removal fails.
func removeWorkspace(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove workspace %s: %w", dir, err)
	}
	return nil
}
