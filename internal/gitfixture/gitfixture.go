// Package gitfixture makes git repositories for the benchmark and chaos
// programs: a drover.yaml and a chain of commits to build.
package gitfixture

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CommitChain creates a git repository at dir holding definition as its
// drover.yaml, then n empty commits after it on main, authored by author,
// and returns those n commits, oldest first.
//
// The commits are written by one git fast-import, into one pack: a git
// commit per commit wrote and then deleted lock and temporary files, four
// or five a commit, and on an ext4 file system without a journal (the
// benchmark machine's) every file created in the next 30 seconds nearby
// skips the inodes deleted in them, which made creating a file there
// (such as a task's log) several times dearer while the benchmark measured.
func CommitChain(dir, definition, author string, n int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "drover.yaml"), []byte(definition), 0o644); err != nil {
		return nil, err
	}
	var stream strings.Builder
	who := fmt.Sprintf("%[1]s <%[1]s@localhost> now", author)
	commit := func(mark int, message string) {
		fmt.Fprintf(&stream, "commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n%s\n",
			mark, who, who, len(message), message)
		if mark > 1 {
			fmt.Fprintf(&stream, "from :%d\n", mark-1)
		}
	}
	commit(1, "definition\n")
	fmt.Fprintf(&stream, "M 100644 inline drover.yaml\ndata %d\n%s\n", len(definition), definition)
	for i := 1; i <= n; i++ {
		commit(i+1, fmt.Sprintf("commit %d\n", i))
	}
	script := fmt.Sprintf(`set -e
git init -q -b main
git fast-import --quiet --date-format=now
git reset -q
git rev-list --reverse HEAD~%d..HEAD`, n)
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stream.String())
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("make repository %s: %w", dir, err)
	}
	return strings.Fields(string(out)), nil
}
