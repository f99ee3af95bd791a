package gitsource

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// OnBranch reports whether commit is on branch in repository: reachable from
// the branch's head, or, for a tag push ("tag:<name>"), the commit the tag
// names. A branch or tag that does not exist is false, not an error.
func (s *Source) OnBranch(ctx context.Context, repository, commit, branch string) (bool, error) {
	if commit == "" || strings.HasPrefix(commit, "-") || branch == "" || strings.HasPrefix(branch, "-") {
		return false, nil
	}
	if tag, ok := strings.CutPrefix(branch, "tag:"); ok {
		at, err := s.Resolve(ctx, repository, "refs/tags/"+tag)
		if err != nil {
			return false, nil
		}
		return at == commit, nil
	}
	head, err := s.Resolve(ctx, repository, "refs/heads/"+branch)
	if err != nil {
		return false, nil // no such branch
	}
	if head == commit {
		return true, nil
	}
	dir, ok := localDir(repository)
	if !ok {
		mirror, _, unlock, err := s.mirror(ctx, repository)
		if err != nil {
			return false, fmt.Errorf("is %s on %s in %s: %w", commit, branch, Redact(repository), err)
		}
		defer unlock()
		dir = mirror
	}
	_, err = git(ctx, dir, repository, "merge-base", "--is-ancestor", commit, head)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() == nil && errors.As(err, &exit) && exit.ExitCode() == 1:
		return false, nil
	}
	return false, fmt.Errorf("is %s on %s in %s: %w", commit, branch, Redact(repository), err)
}
