package gitsource

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// FileEdit is one file a Commit writes: Content gets the file's content at
// the branch's head (exists false when there is none) and returns the new one.
type FileEdit struct {
	Path    string
	Content func(old []byte, exists bool) ([]byte, error)
}

// CommitRequest is a commit to make on top of a branch of a repository,
// and push.
type CommitRequest struct {
	Repository string
	Branch     string
	Edits      []FileEdit
	Message    string
	// AuthorName and AuthorEmail author and commit the commit.
	AuthorName, AuthorEmail string
	// Username and Password, when Password is set, authenticate an HTTP(S)
	// push with a Basic Authorization header, given to git through its
	// environment (never its command line, config file or the URL).
	Username, Password string
}

// CommitResult is what Commit did: the commit pushed (or the branch's head
// when nothing changed) and the head it was made on.
type CommitResult struct {
	Commit  string
	Parent  string
	Changed bool
}

// ErrNoBranch is returned by Commit when the repository has no such branch.
var ErrNoBranch = errors.New("no such branch")

// pushTries is how often Commit makes its commit again on a branch that
// moved while it pushed.
const pushTries = 3

// Commit writes req's edits on top of req.Branch's head in a scratch
// repository, commits them and pushes the commit to the branch, without
// force: a branch that moved meanwhile is fetched again and the edits are
// made again, up to pushTries times. Edits that change nothing push nothing.
// The target repository needs no work tree; a local non-bare repository
// refuses a push to its checked-out branch (git's receive.denyCurrentBranch).
func (s *Source) Commit(ctx context.Context, req CommitRequest) (CommitResult, error) {
	url, err := fetchURL(req.Repository)
	if err != nil {
		return CommitResult{}, err
	}
	dir, err := os.MkdirTemp("", "drover-push-*")
	if err != nil {
		return CommitResult{}, fmt.Errorf("push scratch directory: %w", err)
	}
	defer os.RemoveAll(dir)
	env := []string{"GIT_DIR=" + dir, "GIT_INDEX_FILE=" + dir + "/drover-index",
		"GIT_AUTHOR_NAME=" + req.AuthorName, "GIT_AUTHOR_EMAIL=" + req.AuthorEmail,
		"GIT_COMMITTER_NAME=" + req.AuthorName, "GIT_COMMITTER_EMAIL=" + req.AuthorEmail}
	if req.Password != "" {
		token := base64.StdEncoding.EncodeToString([]byte(req.Username + ":" + req.Password))
		env = append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader",
			"GIT_CONFIG_VALUE_0=Authorization: Basic "+token)
	}
	run := func(stdin []byte, args ...string) (string, error) {
		out, err := gitWith(ctx, dir, url, env, stdin, args...)
		return strings.TrimSpace(string(out)), err
	}
	if _, err := run(nil, "init", "--quiet", "--bare", dir); err != nil {
		return CommitResult{}, err
	}
	ref := "refs/heads/" + req.Branch
	var lastErr error
	for try := 0; try < pushTries; try++ {
		heads, err := run(nil, "ls-remote", "--heads", url, ref)
		if err != nil {
			return CommitResult{}, err
		}
		if heads == "" {
			return CommitResult{}, fmt.Errorf("branch %s of %s: %w", req.Branch, Redact(req.Repository), ErrNoBranch)
		}
		if _, err := run(nil, "fetch", "--quiet", "--no-tags", "--depth", "1", url, "+"+ref+":refs/drover/target"); err != nil {
			return CommitResult{}, err
		}
		raw := func(args ...string) ([]byte, error) { return gitWith(ctx, dir, url, env, nil, args...) }
		res, err := commitOnce(run, raw, req)
		if err != nil || !res.Changed {
			return res, err
		}
		if _, err := run(nil, "push", "--quiet", url, res.Commit+":"+ref); err != nil {
			lastErr = err
			if ctx.Err() != nil {
				return CommitResult{}, err
			}
			continue // the branch moved: make the commit again on its new head
		}
		return res, nil
	}
	return CommitResult{}, fmt.Errorf("push to %s of %s failed %d times: %w", req.Branch, Redact(req.Repository), pushTries, lastErr)
}

// commitOnce makes the commit on refs/drover/target.
func commitOnce(run func([]byte, ...string) (string, error), raw func(...string) ([]byte, error),
	req CommitRequest) (CommitResult, error) {
	parent, err := run(nil, "rev-parse", "--verify", "refs/drover/target^{commit}")
	if err != nil {
		return CommitResult{}, err
	}
	if _, err := run(nil, "read-tree", parent); err != nil {
		return CommitResult{}, err
	}
	for _, e := range req.Edits {
		p, err := cleanPath(e.Path)
		if err != nil || p == ".git" || strings.HasPrefix(p, ".git/") {
			return CommitResult{}, fmt.Errorf("edit %q: not a path of the repository", e.Path)
		}
		old, err := raw("cat-file", "blob", parent+":"+p)
		exists := err == nil
		content, err := e.Content(old, exists)
		if err != nil {
			return CommitResult{}, fmt.Errorf("edit %s: %w", p, err)
		}
		blob, err := run(content, "hash-object", "-w", "--stdin")
		if err != nil {
			return CommitResult{}, err
		}
		if _, err := run(nil, "update-index", "--add", "--cacheinfo", "100644,"+blob+","+p); err != nil {
			return CommitResult{}, err
		}
	}
	tree, err := run(nil, "write-tree")
	if err != nil {
		return CommitResult{}, err
	}
	parentTree, err := run(nil, "rev-parse", parent+"^{tree}")
	if err != nil {
		return CommitResult{}, err
	}
	if tree == parentTree {
		return CommitResult{Commit: parent, Parent: parent}, nil
	}
	commit, err := run([]byte(req.Message), "commit-tree", tree, "-p", parent, "-F", "-")
	if err != nil {
		return CommitResult{}, err
	}
	return CommitResult{Commit: commit, Parent: parent, Changed: true}, nil
}

// gitWith is git with extra environment and standard input.
func gitWith(ctx context.Context, dir, repo string, env []string, stdin []byte, args ...string) ([]byte, error) {
	args, env = CredentialsInEnv(args, env)
	// A command of repo's mirror that names no URL (fetch origin: the
	// mirror keeps the URL without its credentials) gets them all the same.
	_, env = CredentialsInEnv([]string{repo}, env)
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("git %s: %w", args[0], ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > maxStderr {
			msg = "…" + msg[len(msg)-maxStderr:]
		}
		return nil, fmt.Errorf("git %s: %w: %s", args[0], err, redact(msg, repo))
	}
	return stdout.Bytes(), nil
}

// CredentialsInEnv moves, for a git command run with a repository URL,
// the user and password of an http(s) URL among args into git's
// environment, as an Authorization header (http.extraHeader through
// GIT_CONFIG_*): git's arguments, and its remote helper's, are in
// /proc/<pid>/cmdline, which every process of the host may read; its
// environment only its own user and root. A header the caller set already
// (a push's credentials) is kept. args and env are not changed: the
// results are copies.
func CredentialsInEnv(args, env []string) ([]string, []string) {
	out := slices.Clone(args)
	env = slices.Clip(env)
	for i, a := range args {
		u, err := url.Parse(a)
		if err != nil || u.User == nil || (u.Scheme != "https" && u.Scheme != "http") {
			continue
		}
		out[i] = Redact(a)
		if slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "GIT_CONFIG_COUNT=") }) {
			continue
		}
		pass, _ := u.User.Password()
		token := base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + pass))
		env = append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader",
			"GIT_CONFIG_VALUE_0=Authorization: Basic "+token)
	}
	return out, env
}
