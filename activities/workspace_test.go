package activities

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// An empty workspace is reused by the next attempt; one that a task changed
// in any way (an entry, its mode, an extended attribute) is removed.
func TestWorkspaceReuse(t *testing.T) {
	a := &Activities{DataDir: t.TempDir()}
	dir, err := a.newWorkspace()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.releaseWorkspace(dir); err != nil {
		t.Fatal(err)
	}
	again, err := a.newWorkspace()
	if err != nil {
		t.Fatal(err)
	}
	if again != dir {
		t.Fatalf("an empty workspace was not reused: %s, then %s", dir, again)
	}

	changes := map[string]func(dir string) error{
		"file":   func(dir string) error { return os.WriteFile(filepath.Join(dir, "f"), nil, 0o644) },
		"subdir": func(dir string) error { return os.Mkdir(filepath.Join(dir, "d"), 0o755) },
		"mode":   func(dir string) error { return os.Chmod(dir, 0o777) },
		"xattr":  func(dir string) error { return unix.Setxattr(dir, "user.drover", []byte("x"), 0) },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			a := &Activities{DataDir: t.TempDir()}
			dir, err := a.newWorkspace()
			if err != nil {
				t.Fatal(err)
			}
			if err := change(dir); err != nil {
				t.Skipf("cannot change the workspace here: %v", err)
			}
			if err := a.releaseWorkspace(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(dir); !os.IsNotExist(err) {
				t.Fatalf("a changed workspace was kept: %v", err)
			}
			next, err := a.newWorkspace()
			if err != nil {
				t.Fatal(err)
			}
			if next == dir {
				t.Fatal("a changed workspace was reused")
			}
			entries, err := os.ReadDir(next)
			if err != nil || len(entries) != 0 {
				t.Fatalf("a new workspace is not empty: %v %v", entries, err)
			}
		})
	}
}

// A pooled workspace removed since it was released (the data dir removed
// under a running worker) is not handed out: a fresh one is made instead.
func TestWorkspaceReuseOfARemovedOne(t *testing.T) {
	a := &Activities{DataDir: t.TempDir()}
	var dirs []string
	for range 2 {
		dir, err := a.newWorkspace()
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		if err := a.releaseWorkspace(dir); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(filepath.Join(a.DataDir, "workspaces")); err != nil {
		t.Fatal(err)
	}
	next, err := a.newWorkspace()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if next == dir {
			t.Fatalf("a removed workspace was handed out: %s", dir)
		}
	}
	entries, err := os.ReadDir(next)
	if err != nil || len(entries) != 0 {
		t.Fatalf("the new workspace is not an empty directory: %v %v", entries, err)
	}
	if len(a.workspaces.dirs) != 0 {
		t.Fatalf("removed workspaces are still pooled: %v", a.workspaces.dirs)
	}
}
