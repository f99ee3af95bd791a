// Package gitsource reads and checks out git repositories with the git CLI:
// local paths and file:// URLs directly, remote repositories through a cache
// of bare, blobless mirrors.
package gitsource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// ErrFileNotFound is returned (wrapped) by ReadFile when the commit has no
// such file.
var ErrFileNotFound = errors.New("file not found in commit")

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Source reads git repositories. It keeps bare clones of remote repositories
// under CacheDir; local repositories are used in place. It is safe for
// concurrent use.
type Source struct {
	CacheDir string

	mu      sync.Mutex
	locks   map[string]*sync.Mutex // per mirror directory
	batches map[string][]*catFile  // per repository directory
}

// New returns a Source that caches remote repositories under cacheDir.
func New(cacheDir string) *Source {
	return &Source{CacheDir: cacheDir}
}

// Resolve returns the full 40-hex commit of ref (a sha, full or abbreviated,
// a branch, a tag or HEAD) in repository: a local path (working tree or bare),
// a file:// URL or a remote URL such as https://.
func (s *Source) Resolve(ctx context.Context, repository, ref string) (string, error) {
	if ref == "" || strings.HasPrefix(ref, "-") {
		return "", fmt.Errorf("resolve %q in %s: invalid ref", ref, Redact(repository))
	}
	var (
		out []byte
		err error
	)
	if dir, ok := localDir(repository); ok {
		out, err = s.commitOf(ctx, dir, repository, ref)
	} else {
		out, err = s.remoteResolve(ctx, repository, ref)
	}
	if err != nil {
		return "", fmt.Errorf("resolve %q in %s: %w", ref, Redact(repository), err)
	}
	return string(bytes.TrimSpace(out)), nil
}

// ReadFile returns the content of file at commit; errors.Is(err,
// ErrFileNotFound) when the commit has no such file.
func (s *Source) ReadFile(ctx context.Context, repository, commit, file string) ([]byte, error) {
	clean, err := cleanPath(file)
	if err == nil && (commit == "" || strings.HasPrefix(commit, "-")) {
		err = errors.New("invalid commit")
	}
	if err != nil {
		return nil, fmt.Errorf("read %s at %s in %s: %w", file, commit, Redact(repository), err)
	}
	var b []byte
	if dir, ok := localDir(repository); ok {
		b, err = s.readBlob(ctx, dir, repository, commit, clean)
	} else {
		b, err = s.remoteReadFile(ctx, repository, commit, clean)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s at %s in %s: %w", file, commit, Redact(repository), err)
	}
	return b, nil
}

// errUnknownRevision is returned when a ref or commit is not in a repository.
var errUnknownRevision = errors.New("unknown revision")

// commitOf returns the commit that ref names in the repository at dir. A
// full SHA is looked up by the repository's cat-file process; names of
// branches and tags, which move, by a fresh rev-parse.
func (s *Source) commitOf(ctx context.Context, dir, repo, ref string) ([]byte, error) {
	if !fullSHA.MatchString(ref) {
		return revParse(ctx, dir, repo, ref)
	}
	objs, err := s.catObjects(ctx, dir, ref+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	if objs[0].typ != "commit" {
		return nil, errUnknownRevision
	}
	return []byte(objs[0].oid), nil
}

// revParse returns the commit that ref names in the repository at dir.
func revParse(ctx context.Context, dir, repo, ref string) ([]byte, error) {
	out, err := git(ctx, dir, repo, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		var exit *exec.ExitError
		if ctx.Err() == nil && errors.As(err, &exit) && exit.ExitCode() == 1 {
			return nil, errUnknownRevision
		}
		return nil, err
	}
	return out, nil
}

// readBlob reads file at commit in the repository at dir, with one round
// trip to the repository's cat-file process.
func (s *Source) readBlob(ctx context.Context, dir, repo, commit, file string) ([]byte, error) {
	objs, err := s.catObjects(ctx, dir, commit+"^{commit}", commit+":"+file)
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	if objs[0].typ != "commit" {
		return nil, errUnknownRevision
	}
	switch t := objs[1].typ; t {
	case "blob":
		return objs[1].content, nil
	case "":
		return nil, ErrFileNotFound
	default:
		return nil, fmt.Errorf("%w: a %s, not a file", ErrFileNotFound, t)
	}
}

// localDir returns the directory of a local repository: a path or a file://
// URL. Anything else with a scheme, or scp-like "host:path", is remote.
func localDir(repository string) (string, bool) {
	if strings.HasPrefix(repository, "file://") {
		u, err := url.Parse(repository)
		if err != nil {
			return "", false
		}
		return u.Path, true
	}
	if strings.Contains(repository, "://") {
		return "", false
	}
	if i := strings.IndexByte(repository, ':'); i > 0 && !strings.ContainsRune(repository[:i], '/') {
		return "", false // user@host:path
	}
	return repository, true
}

// fetchURL is the URL git fetches repository from; local paths become file://
// URLs so that shallow fetches work.
func fetchURL(repository string) (string, error) {
	dir, ok := localDir(repository)
	if !ok {
		return repository, nil
	}
	if strings.HasPrefix(repository, "file://") {
		return repository, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("absolute path of %s: %w", dir, err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// cleanPath returns file as a clean path relative to the repository root.
func cleanPath(file string) (string, error) {
	c := path.Clean(strings.TrimPrefix(file, "./"))
	if file == "" || c == "." || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("invalid path %q", file)
	}
	return c, nil
}
