package gitsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Checkout fills dir, which must be empty or absent, with repository at
// commit, detached. It fetches only that commit (depth 1) when the server
// serves commits by name, and everything otherwise.
func (s *Source) Checkout(ctx context.Context, repository, commit, dir string) error {
	if err := s.checkout(ctx, repository, commit, dir); err != nil {
		return fmt.Errorf("checkout %s at %s: %w", Redact(repository), commit, err)
	}
	return nil
}

func (s *Source) checkout(ctx context.Context, repository, commit, dir string) error {
	if commit == "" || commit[0] == '-' {
		return errors.New("invalid commit")
	}
	if err := emptyDir(dir); err != nil {
		return err
	}
	src, err := fetchURL(repository)
	if err != nil {
		return err
	}
	if _, err := git(ctx, dir, src, "init", "--quiet"); err != nil {
		return err
	}
	// The URL is given to fetch, never stored in the workspace's config, so
	// credentials in it stay out of the workspace.
	_, err = git(ctx, dir, src, "fetch", "--quiet", "--no-tags", "--depth", "1", src, commit)
	if err != nil && ctx.Err() == nil {
		_, err = git(ctx, dir, src, "fetch", "--quiet", "--no-tags", src,
			"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
	}
	if err != nil {
		return err
	}
	if _, err := git(ctx, dir, src, "checkout", "--quiet", "--detach", commit+"^{commit}"); err != nil {
		return err
	}
	return nil
}

// emptyDir creates dir or checks that it is empty.
func emptyDir(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create workspace: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("open workspace: %w", err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Readdirnames(1); !errors.Is(err, io.EOF) {
		if err == nil {
			return fmt.Errorf("workspace %s is not empty", dir)
		}
		return fmt.Errorf("read workspace: %w", err)
	}
	return nil
}
