package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/blobstore"
)

// storeNeed puts content in a's blob store as an artifact an earlier task
// stored, and returns its reference, downloaded to path.
func storeNeed(t *testing.T, a *activities.Activities, name, path, content string) activities.ArtifactRef {
	t.Helper()
	key := blobstore.ArtifactKey("foas", "c0ffee", "run-1", "build", "compile", name)
	obj, err := a.Blobs.Put(context.Background(), key, strings.NewReader(content))
	require.NoError(t, err)
	return activities.ArtifactRef{Name: "build/compile/" + name, Path: path, Key: obj.Key, SHA256: obj.SHA256, Size: obj.Size}
}

func TestRunTaskDownloadsWhatItNeeds(t *testing.T) {
	a := newActivities(t)
	in := taskInput(`cat dist/app; cat notes.txt`)
	in.Needs = []activities.ArtifactRef{
		storeNeed(t, a, "app", "dist/app", "binary-v1\n"),
		storeNeed(t, a, "notes", "notes.txt", "release notes\n"),
	}
	res, err := runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Equal(t, "binary-v1\nrelease notes\n", res.OutputTail)
	log := readLog(t, a, in)
	require.Contains(t, log, "=== needs build/compile/app: dist/app (10 bytes, sha256 ")
}

func TestRunTaskRefusesATamperedNeed(t *testing.T) {
	for _, tc := range []struct {
		name, stored string
	}{
		{"same size", "binary-v2\n"},
		{"longer", "binary-v1\nand more\n"},
		{"shorter", "bin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newActivities(t)
			marker := filepath.Join(t.TempDir(), "ran")
			in := taskInput("touch " + marker)
			ref := storeNeed(t, a, "app", "dist/app", "binary-v1\n")
			// Someone with access to the store replaces the blob.
			_, err := a.Blobs.Put(context.Background(), ref.Key, strings.NewReader(tc.stored))
			require.NoError(t, err)
			in.Needs = []activities.ArtifactRef{ref}
			_, err = runTask(context.Background(), t, a, in)
			appErr := appError(t, err)
			require.Equal(t, activities.ErrTypeBadTask, appErr.Type())
			require.True(t, appErr.NonRetryable())
			require.Contains(t, appErr.Error(), "needed artifact build/compile/app")
			require.Contains(t, appErr.Error(), "checksum mismatch")
			_, statErr := os.Stat(marker)
			require.ErrorIs(t, statErr, os.ErrNotExist, "the script never runs")
			requireNoWorkspaces(t, a)
		})
	}
}

func TestRunTaskNeedsStayInTheWorkspace(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	outside := t.TempDir()
	require.NoError(t, os.MkdirAll(repo, 0o755))
	gitRun(t, repo, "init", "-q", "-b", "main")
	require.NoError(t, os.Symlink(outside, filepath.Join(repo, "dist")))
	gitRun(t, repo, "add", ".")
	gitRun(t, repo, "commit", "-q", "-m", "a symlink out")
	a := newActivities(t)
	in := taskInput("true")
	in.Repository, in.Commit, in.Task.Checkout = repo, gitRun(t, repo, "rev-parse", "HEAD"), true
	in.Needs = []activities.ArtifactRef{storeNeed(t, a, "app", "dist/app", "binary\n")}
	_, err := runTask(context.Background(), t, a, in)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeBadTask, appErr.Type())
	require.NoFileExists(t, filepath.Join(outside, "app"))
}

func TestRunTaskNeedNotStored(t *testing.T) {
	a := newActivities(t)
	in := taskInput("true")
	in.Needs = []activities.ArtifactRef{{Name: "build/compile/app", Path: "dist/app"}}
	_, err := runTask(context.Background(), t, a, in)
	require.Contains(t, appError(t, err).Error(), "stored no such artifact")
}
