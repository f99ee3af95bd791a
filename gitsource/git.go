package gitsource

import (
	"context"
	"net/url"
	"os"
	"strings"
)

// maxStderr bounds how much of git's error output goes into an error.
const maxStderr = 1000

// git runs the git CLI in dir and returns its standard output. The error names
// the operation and the last part of git's standard error, with credentials
// of repo removed.
func git(ctx context.Context, dir, repo string, args ...string) ([]byte, error) {
	return gitWith(ctx, dir, repo, nil, nil, args...)
}

// gitEnv is the worker's environment with prompts for credentials disabled,
// so that git fails instead of waiting for a terminal.
func gitEnv() []string {
	env := os.Environ()
	return append(env, "GIT_TERMINAL_PROMPT=0")
}

// Redact returns repository with any user and password removed, for messages.
func Redact(repository string) string {
	u, err := url.Parse(repository)
	if err != nil || u.User == nil || u.Scheme == "" {
		return repository
	}
	u.User = nil
	return u.String()
}

// redact removes the credentials of repo from text.
func redact(text, repo string) string {
	u, err := url.Parse(repo)
	if err != nil || u.User == nil {
		return text
	}
	text = strings.ReplaceAll(text, repo, Redact(repo))
	if p, ok := u.User.Password(); ok && p != "" {
		text = strings.ReplaceAll(text, p, "xxxxx")
		if e := url.QueryEscape(p); e != p {
			text = strings.ReplaceAll(text, e, "xxxxx")
		}
	}
	if raw := u.User.String(); raw != "" {
		text = strings.ReplaceAll(text, raw+"@", "")
	}
	return text
}
