package gitsource_test

import (
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

// run runs a command in dir and returns its trimmed output.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v: %s", name, args, out)
	return strings.TrimSpace(string(out))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// testRepo is a repository made by a test: main has commits c1 (tagged v1)
// and c2, branch feature has c3 on top of c2.
type testRepo struct {
	dir        string
	c1, c2, c3 string
}

func newTestRepo(t *testing.T) testRepo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	run(t, dir, "git", "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(dir, "drover.yaml"), "version: 1\n")
	writeFile(t, filepath.Join(dir, "src/main.go"), "package main\n")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "one")
	r := testRepo{dir: dir, c1: run(t, dir, "git", "rev-parse", "HEAD")}
	run(t, dir, "git", "tag", "-a", "-m", "release", "v1")
	writeFile(t, filepath.Join(dir, "drover.yaml"), "version: 2\n")
	run(t, dir, "git", "commit", "-q", "-am", "two")
	r.c2 = run(t, dir, "git", "rev-parse", "HEAD")
	run(t, dir, "git", "checkout", "-q", "-b", "feature")
	writeFile(t, filepath.Join(dir, "feature.txt"), "new\n")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "three")
	r.c3 = run(t, dir, "git", "rev-parse", "HEAD")
	run(t, dir, "git", "checkout", "-q", "main")
	return r
}

// commit adds a commit to branch main of the repository and returns it.
func (r testRepo) commit(t *testing.T, file, content string) string {
	t.Helper()
	writeFile(t, filepath.Join(r.dir, file), content)
	run(t, r.dir, "git", "add", ".")
	run(t, r.dir, "git", "commit", "-q", "-m", "more")
	return run(t, r.dir, "git", "rev-parse", "HEAD")
}

// serveHTTP serves the repositories under root over git's smart HTTP
// protocol (git http-backend as CGI). When user is set, requests need basic
// auth with user and password.
func serveHTTP(t *testing.T, root, user, password string) *httptest.Server {
	t.Helper()
	backend := &cgi.Handler{
		Path: filepath.Join(run(t, "", "git", "--exec-path"), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_GLOBAL=/dev/null"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}
