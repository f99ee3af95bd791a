package gitsource

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDescribeReadsSubjectAndAuthor(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Mary Jane", "GIT_AUTHOR_EMAIL=mj@example.com",
			"GIT_COMMITTER_NAME=ci", "GIT_COMMITTER_EMAIL=ci@example.com")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", "main")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644))
	run("add", "a.txt")
	run("commit", "-q", "-m", "Fix the login page\n\nLonger body that is not the subject.")
	sha := run("rev-parse", "HEAD")

	s := New(t.TempDir())
	t.Cleanup(s.Close)
	info, err := s.Describe(context.Background(), dir, sha)
	require.NoError(t, err)
	require.Equal(t, CommitInfo{Subject: "Fix the login page", Author: "Mary Jane"}, info)

	_, err = s.Describe(context.Background(), dir, strings.Repeat("0", 40))
	require.Error(t, err)
	_, err = s.Describe(context.Background(), dir, "HEAD")
	require.ErrorContains(t, err, "not a full commit id")
}

func TestParseCommitWithoutMessage(t *testing.T) {
	require.Equal(t, CommitInfo{Author: "a b"}, parseCommit([]byte("tree x\nauthor a b <a@b> 1 +0000\n\n")))
	require.Equal(t, CommitInfo{}, parseCommit(nil))
}
