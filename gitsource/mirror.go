package gitsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// remoteResolve resolves ref in the mirror of repository. Branches and tags
// move, so the mirror is fetched first unless ref is a commit it already has.
func (s *Source) remoteResolve(ctx context.Context, repository, ref string) ([]byte, error) {
	dir, fresh, unlock, err := s.mirror(ctx, repository)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if fresh || fullSHA.MatchString(ref) {
		if out, err := s.commitOf(ctx, dir, repository, ref); err == nil {
			return out, nil
		}
	}
	if !fresh {
		if err := fetchMirror(ctx, dir, repository); err != nil {
			return nil, err
		}
	}
	out, err := s.commitOf(ctx, dir, repository, ref)
	if errors.Is(err, errUnknownRevision) && fullSHA.MatchString(ref) {
		// A commit no branch or tag reaches (yet): ask for it by name.
		if _, ferr := git(ctx, dir, repository, "fetch", "--quiet", "origin", ref); ferr == nil {
			return s.commitOf(ctx, dir, repository, ref)
		}
	}
	return out, err
}

// remoteReadFile reads file at commit from the mirror of repository, fetching
// when the mirror lacks the commit; blobs are fetched lazily by git.
func (s *Source) remoteReadFile(ctx context.Context, repository, commit, file string) ([]byte, error) {
	dir, fresh, unlock, err := s.mirror(ctx, repository)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := s.commitOf(ctx, dir, repository, commit); errors.Is(err, errUnknownRevision) {
		if !fresh {
			if err := fetchMirror(ctx, dir, repository); err != nil {
				return nil, err
			}
		}
		if fullSHA.MatchString(commit) {
			_, _ = git(ctx, dir, repository, "fetch", "--quiet", "origin", commit)
		}
	}
	return s.readBlob(ctx, dir, repository, commit, file)
}

// mirror returns the directory of the bare mirror of repository, cloning it
// if needed (fresh is then true), locked until unlock is called.
func (s *Source) mirror(ctx context.Context, repository string) (dir string, fresh bool, unlock func(), err error) {
	if s.CacheDir == "" {
		return "", false, nil, errors.New("no cache directory for remote repositories")
	}
	sum := sha256.Sum256([]byte(Redact(repository)))
	dir = filepath.Join(s.CacheDir, hex.EncodeToString(sum[:16])+".git")
	l := s.lock(dir)
	l.Lock()
	// Workers and the API in other processes (containers sharing one data
	// volume) may clone or fetch the same mirror: hold a file lock too.
	fileUnlock, err := lockFile(dir + ".lock")
	if err != nil {
		l.Unlock()
		return "", false, nil, err
	}
	unlock = func() { fileUnlock(); l.Unlock() }
	if _, err := os.Stat(dir); err == nil {
		// Credentials in the URL may have changed since the clone.
		if _, err := git(ctx, dir, repository, "remote", "set-url", "origin", repository); err != nil {
			unlock()
			return "", false, nil, err
		}
		return dir, false, unlock, nil
	}
	if err := cloneMirror(ctx, dir, repository); err != nil {
		unlock()
		return "", false, nil, err
	}
	return dir, true, unlock, nil
}

// cloneMirror makes a bare, blobless clone of repository at dir; it clones
// into a temporary directory first so that dir never holds half a clone.
func cloneMirror(ctx context.Context, dir, repository string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("create git cache: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".clone-*")
	if err != nil {
		return fmt.Errorf("create git cache: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if _, err := git(ctx, "", repository, "clone", "--quiet", "--bare", "--filter=blob:none", "--", repository, tmp); err != nil {
		return err
	}
	// A bare clone copies the branches once; keep them up to date on fetch.
	if _, err := git(ctx, tmp, repository, "config", "remote.origin.fetch", "+refs/heads/*:refs/heads/*"); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("create git cache: %w", err)
	}
	return nil
}

func fetchMirror(ctx context.Context, dir, repository string) error {
	_, err := git(ctx, dir, repository, "fetch", "--quiet", "--prune", "--tags", "--force", "origin")
	return err
}

// lockFile takes an exclusive flock on path, creating it, and returns its
// release.
func lockFile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create git cache: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock git cache: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock git cache: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

func (s *Source) lock(dir string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locks == nil {
		s.locks = map[string]*sync.Mutex{}
	}
	l, ok := s.locks[dir]
	if !ok {
		l = &sync.Mutex{}
		s.locks[dir] = l
	}
	return l
}
