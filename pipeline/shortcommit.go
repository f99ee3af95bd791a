package pipeline

import (
	"fmt"
	"regexp"
	"strconv"
)

// MaxShortCommit is the longest {commit:N}: a SHA-1 commit's 40 hex digits.
const MaxShortCommit = 40

// shortCommitName matches the name of a {commit:N} placeholder.
var shortCommitName = regexp.MustCompile(`^commit:([0-9]+)$`)

// ShortCommitLength reports whether name (what is between the braces) is a
// {commit:N} placeholder, and its N; N is 0 when it is not a number from 1
// to MaxShortCommit.
func ShortCommitLength(name string) (n int, ok bool) {
	m := shortCommitName.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 || n > MaxShortCommit {
		return 0, true
	}
	return n, true
}

// ShortCommit returns the first n characters of commit, or all of it when
// it is shorter.
func ShortCommit(commit string, n int) string {
	if n < len(commit) {
		return commit[:n]
	}
	return commit
}

// shortCommitProblem is the validation problem of a {commit:N} placeholder
// p whose N is out of range, or "" when p is not one or N is fine.
func shortCommitProblem(p string) string {
	if n, ok := ShortCommitLength(p[1 : len(p)-1]); ok && n == 0 {
		return fmt.Sprintf("placeholder %s: the short commit's length must be 1 to %d", p, MaxShortCommit)
	}
	return ""
}
