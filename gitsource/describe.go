package gitsource

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// CommitInfo is what people recognise a commit by: the first line of its
// message and its author's name.
type CommitInfo struct {
	Subject string
	Author  string
}

// Describe returns the subject and author of commit (a full SHA already
// read by Resolve or ReadFile: a remote repository is not fetched again).
func (s *Source) Describe(ctx context.Context, repository, commit string) (CommitInfo, error) {
	if !fullSHA.MatchString(commit) {
		return CommitInfo{}, fmt.Errorf("describe %q in %s: not a full commit id", commit, Redact(repository))
	}
	dir, ok := localDir(repository)
	if !ok {
		mirror, _, unlock, err := s.mirror(ctx, repository)
		if err != nil {
			return CommitInfo{}, fmt.Errorf("describe %s in %s: %w", commit, Redact(repository), err)
		}
		defer unlock()
		dir = mirror
	}
	objs, err := s.catObjects(ctx, dir, commit+"^{commit}")
	if err != nil {
		return CommitInfo{}, fmt.Errorf("describe %s in %s: git cat-file: %w", commit, Redact(repository), err)
	}
	if objs[0].typ != "commit" {
		return CommitInfo{}, fmt.Errorf("describe %s in %s: %w", commit, Redact(repository), errUnknownRevision)
	}
	return parseCommit(objs[0].content), nil
}

// parseCommit reads a raw commit object: headers, a blank line, the message.
func parseCommit(raw []byte) CommitInfo {
	var info CommitInfo
	headers, message, _ := bytes.Cut(raw, []byte("\n\n"))
	for _, line := range strings.Split(string(headers), "\n") {
		if rest, ok := strings.CutPrefix(line, "author "); ok {
			// "Name <email> 1700000000 +0000": the name is what comes before " <".
			if name, _, found := strings.Cut(rest, " <"); found {
				info.Author = strings.TrimSpace(name)
			}
			break
		}
	}
	for _, line := range strings.Split(string(message), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			info.Subject = line
			break
		}
	}
	return info
}
