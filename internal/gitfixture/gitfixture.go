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
func CommitChain(dir, definition, author string, n int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "drover.yaml"), []byte(definition), 0o644); err != nil {
		return nil, err
	}
	script := fmt.Sprintf(`set -e
git init -q -b main
git add drover.yaml
export GIT_AUTHOR_NAME=%[1]s GIT_AUTHOR_EMAIL=%[1]s@localhost GIT_COMMITTER_NAME=%[1]s GIT_COMMITTER_EMAIL=%[1]s@localhost
git commit -q -m definition
for i in $(seq 1 %[2]d); do git commit -q --allow-empty -m "commit $i"; done
git rev-list --reverse HEAD~%[2]d..HEAD`, author, n)
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("make repository %s: %w", dir, err)
	}
	return strings.Fields(string(out)), nil
}
