package gitsource

import (
	"context"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCommitPushesToBranch(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	bare := filepath.Join(t.TempDir(), "target.git")
	sh := func(dir string, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.TrimSpace(string(out))
	}
	sh(work, "init", "-q", "-b", "dev")
	require.NoError(t, os.WriteFile(filepath.Join(work, "config.json"), []byte(`{"keep": 1}`), 0o644))
	sh(work, "add", "-A")
	sh(work, "commit", "-q", "-m", "seed")
	sh(work, "init", "-q", "--bare", bare)
	sh(work, "push", "-q", bare, "dev")
	before := sh(bare, "rev-parse", "dev")

	s := New(t.TempDir())
	req := CommitRequest{Repository: bare, Branch: "dev", Message: "set tag", AuthorName: "drover", AuthorEmail: "d@x",
		Edits: []FileEdit{
			{Path: "config.json", Content: func(old []byte, exists bool) ([]byte, error) {
				require.True(t, exists)
				require.JSONEq(t, `{"keep": 1}`, string(old))
				return []byte(`{"keep": 1, "tag": "v1"}`), nil
			}},
			{Path: "dir/new.txt", Content: func(_ []byte, exists bool) ([]byte, error) {
				require.False(t, exists)
				return []byte("hello\n"), nil
			}},
		}}
	res, err := s.Commit(ctx, req)
	require.NoError(t, err)
	require.True(t, res.Changed)
	require.Equal(t, before, res.Parent)
	require.Equal(t, res.Commit, sh(bare, "rev-parse", "dev"))
	require.Equal(t, `{"keep": 1, "tag": "v1"}`, sh(bare, "show", "dev:config.json"))
	require.Equal(t, "hello", sh(bare, "show", "dev:dir/new.txt"))
	require.Equal(t, "set tag", sh(bare, "log", "-1", "--format=%s", "dev"))

	// The same edits again change nothing and push nothing.
	req.Edits = req.Edits[:1]
	req.Edits[0].Content = func([]byte, bool) ([]byte, error) { return []byte(`{"keep": 1, "tag": "v1"}`), nil }
	again, err := s.Commit(ctx, req)
	require.NoError(t, err)
	require.False(t, again.Changed)
	require.Equal(t, res.Commit, again.Commit)

	req.Branch = "nope"
	_, err = s.Commit(ctx, req)
	require.ErrorIs(t, err, ErrNoBranch)
}

// TestCommitAuthenticatesHTTPPushes pushes to a real git HTTP server (git
// http-backend behind Basic authentication): with the credentials the push
// lands, without them it fails, and the password is in no error.
func TestCommitAuthenticatesHTTPPushes(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bare := filepath.Join(root, "target.git")
	work := t.TempDir()
	run := func(dir string, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	run(work, "init", "-q", "-b", "dev")
	run(work, "commit", "-q", "--allow-empty", "-m", "seed")
	run(work, "init", "-q", "--bare", bare)
	run(work, "push", "-q", bare, "dev")
	run(bare, "config", "http.receivepack", "true")
	execPath, err := exec.Command("git", "--exec-path").Output()
	require.NoError(t, err)
	backend := &cgi.Handler{Path: filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend"),
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=bot"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "bot" || p != "s3cret-token" {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	defer srv.Close()

	s := New(t.TempDir())
	req := CommitRequest{Repository: srv.URL + "/target.git", Branch: "dev", Message: "m", AuthorName: "d", AuthorEmail: "d@x",
		Edits: []FileEdit{{Path: "a.txt", Content: func([]byte, bool) ([]byte, error) { return []byte("a\n"), nil }}}}
	_, err = s.Commit(ctx, req)
	require.Error(t, err, "no credentials")

	req.Username, req.Password = "bot", "wrong-password"
	_, err = s.Commit(ctx, req)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "wrong-password")

	req.Password = "s3cret-token"
	res, err := s.Commit(ctx, req)
	require.NoError(t, err)
	require.True(t, res.Changed)
	out, err := exec.Command("git", "-C", bare, "show", "dev:a.txt").Output()
	require.NoError(t, err)
	require.Equal(t, "a\n", string(out))
}
