package gitsource

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Commit is one commit of a log: its full SHA, author name and subject.
type Commit struct {
	SHA     string `json:"sha"`
	Author  string `json:"author"`
	Subject string `json:"subject"`
}

// Log returns the commits reachable from to and not from from (from..to),
// newest first, at most limit of them; more is true when there are more.
// Both must be full SHAs the repository holds (a remote one is read from
// its mirror, already fetched by ReadFile).
func (s *Source) Log(ctx context.Context, repository, from, to string, limit int) (commits []Commit, more bool, err error) {
	if !fullSHA.MatchString(from) || !fullSHA.MatchString(to) {
		return nil, false, fmt.Errorf("log %s..%s in %s: want full commit ids", from, to, Redact(repository))
	}
	dir, ok := localDir(repository)
	if !ok {
		mirror, _, unlock, err := s.mirror(ctx, repository)
		if err != nil {
			return nil, false, fmt.Errorf("log %s..%s in %s: %w", from, to, Redact(repository), err)
		}
		defer unlock()
		dir = mirror
	}
	out, err := git(ctx, dir, repository, "log", "--no-color", "--format=%H%x1f%an%x1f%s",
		"-n", strconv.Itoa(limit+1), from+".."+to, "--")
	if err != nil {
		return nil, false, fmt.Errorf("log %s..%s in %s: %w", from, to, Redact(repository), err)
	}
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		parts := strings.SplitN(line, "\x1f", 3)
		if len(parts) != 3 {
			continue
		}
		commits = append(commits, Commit{SHA: parts[0], Author: parts[1], Subject: parts[2]})
	}
	if len(commits) > limit {
		return commits[:limit], true, nil
	}
	return commits, false, nil
}
