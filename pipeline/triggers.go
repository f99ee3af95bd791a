package pipeline

import (
	"fmt"
	"path"
	"strings"
)

// Triggers says which pushes of a forge webhook start a build. Every list
// holds path.Match patterns; an empty Branches or Paths list matches
// everything, while tags are built only when Tags is set. A project without
// triggers builds every branch push and no tag push.
type Triggers struct {
	// Branches are patterns of branch names, such as "main" or "release/*".
	Branches []string `yaml:"branches" json:"branches,omitempty"`
	// Tags are patterns of tag names, such as "v*"; empty builds no tag.
	Tags []string `yaml:"tags" json:"tags,omitempty"`
	// Paths are patterns of repository paths: a branch push is built when
	// a file it adds, modifies or removes matches one, or lies under a
	// directory that matches one ("docs" and "docs/*" both cover
	// docs/a/b.md). They do not apply to tags.
	Paths []string `yaml:"paths" json:"paths,omitempty"`
	// Upstream starts a build of this project's branch of the same name
	// when a build of another project succeeds (see UpstreamTrigger).
	Upstream *UpstreamTrigger `yaml:"upstream" json:"upstream,omitempty"`
}

// UpstreamTrigger starts a build when a build of the project Project
// succeeds on one of Branches (patterns; empty: every branch): the head of
// this project's branch of the same name is built, recorded as the
// upstream build's downstream and triggered by its actor.
type UpstreamTrigger struct {
	Project  string   `yaml:"project" json:"project"`
	Branches []string `yaml:"branches" json:"branches,omitempty"`
}

// Matches reports whether a build of project on branch triggers t.
func (t *UpstreamTrigger) Matches(project, branch string) bool {
	return t != nil && t.Project == project && branch != "" && (len(t.Branches) == 0 || matchAny(t.Branches, branch))
}

// Push is what Triggers.Match needs to know of one push: its branch or tag
// (one of them is set) and the files its commits changed.
type Push struct {
	Branch string
	Tag    string
	// Files lists the paths added, modified or removed by the push's
	// commits. Empty means unknown (a forge may leave them out), which
	// matches any Paths.
	Files []string
}

// Match reports whether push should be built; when it should not, reason
// says why. A nil *Triggers uses the defaults.
func (t *Triggers) Match(push Push) (ok bool, reason string) {
	var tr Triggers
	if t != nil {
		tr = *t
	}
	if push.Tag != "" {
		if !matchAny(tr.Tags, push.Tag) {
			if len(tr.Tags) == 0 {
				return false, fmt.Sprintf("tag %s: the project builds no tags (set triggers.tags)", push.Tag)
			}
			return false, fmt.Sprintf("tag %s matches no pattern of triggers.tags", push.Tag)
		}
		return true, ""
	}
	if len(tr.Branches) > 0 && !matchAny(tr.Branches, push.Branch) {
		return false, fmt.Sprintf("branch %s matches no pattern of triggers.branches", push.Branch)
	}
	if len(tr.Paths) == 0 || len(push.Files) == 0 {
		return true, ""
	}
	for _, f := range push.Files {
		if matchPath(tr.Paths, f) {
			return true, ""
		}
	}
	return false, "no changed file matches triggers.paths"
}

// matchAny reports whether name matches one of patterns.
func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// matchPath reports whether file, or one of its parent directories,
// matches one of patterns.
func matchPath(patterns []string, file string) bool {
	file = strings.TrimPrefix(path.Clean(file), "/")
	for p := file; p != "." && p != "/" && p != ""; p = path.Dir(p) {
		if matchAny(patterns, p) {
			return true
		}
	}
	return false
}

// triggers checks the patterns of t.
func (v *validator) triggers(t Triggers) {
	lists := []struct {
		field    string
		patterns []string
	}{{"triggers.branches", t.Branches}, {"triggers.tags", t.Tags}, {"triggers.paths", t.Paths}}
	if u := t.Upstream; u != nil {
		if !projectPattern.MatchString(u.Project) {
			v.add("triggers.upstream.project", "required: the project whose builds start this one")
		}
		lists = append(lists, struct {
			field    string
			patterns []string
		}{"triggers.upstream.branches", u.Branches})
	}
	for _, l := range lists {
		for i, p := range l.patterns {
			field := fmt.Sprintf("%s[%d]", l.field, i)
			switch {
			case strings.TrimSpace(p) == "":
				v.add(field, "empty pattern")
			case hasBadPattern(p):
				v.add(field, "invalid pattern %q: see https://pkg.go.dev/path#Match", p)
			case l.field == "triggers.paths" && path.IsAbs(p):
				v.add(field, "pattern %q must be relative to the repository root", p)
			}
		}
	}
}

// hasBadPattern reports whether path.Match refuses pattern.
func hasBadPattern(pattern string) bool {
	_, err := path.Match(pattern, "")
	return err != nil
}
