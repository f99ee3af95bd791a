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
	run := gitAs(t, dir, "Mary Jane")
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

func TestLogBetweenTwoCommits(t *testing.T) {
	dir := t.TempDir()
	run := gitAs(t, dir, "Ann")
	run("init", "-q", "-b", "main")
	run("commit", "-q", "--allow-empty", "-m", "v1")
	v1 := run("rev-parse", "HEAD")
	for _, m := range []string{"fix login", "add search", "bump deps"} {
		run("commit", "-q", "--allow-empty", "-m", m)
	}
	v2 := run("rev-parse", "HEAD")

	s := New(t.TempDir())
	t.Cleanup(s.Close)
	commits, more, err := s.Log(context.Background(), dir, v1, v2, 10)
	require.NoError(t, err)
	require.False(t, more)
	var subjects []string
	for _, c := range commits {
		subjects = append(subjects, c.Subject)
		require.Equal(t, "Ann", c.Author)
		require.Len(t, c.SHA, 40)
	}
	require.Equal(t, []string{"bump deps", "add search", "fix login"}, subjects, "newest first")

	commits, more, err = s.Log(context.Background(), dir, v1, v2, 2)
	require.NoError(t, err)
	require.True(t, more)
	require.Len(t, commits, 2)

	commits, _, err = s.Log(context.Background(), dir, v2, v1, 10)
	require.NoError(t, err)
	require.Empty(t, commits, "a rollback brings no new commits")
	_, _, err = s.Log(context.Background(), dir, "HEAD~1", v2, 10)
	require.Error(t, err)
}

// gitAs runs git in dir with author as the commits' author.
func gitAs(t *testing.T, dir, author string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME="+author, "GIT_AUTHOR_EMAIL=author@example.com",
			"GIT_COMMITTER_NAME=ci", "GIT_COMMITTER_EMAIL=ci@example.com")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.TrimSpace(string(out))
	}
}
