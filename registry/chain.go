package registry

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Acceptance is one entry of a project's accepts_from: the registered
// project whose builds may commit to this project's repository (a chain
// push step), and the branches they may commit to. Only the trusted
// registration grants it; no drover.yaml can.
type Acceptance struct {
	// Project is the project whose builds may push.
	Project string
	// Branches are path.Match patterns of the branches of this project
	// that the pushes may update; "*" for every branch.
	Branches []string
	// Repository, when set, is the one of this project's repositories the
	// pushes go to; empty means its first (URLs first, then paths).
	Repository string
	// Paths, when set, are path.Match patterns of the files the pushes
	// may write: a file matches when the pattern matches it or one of the
	// directories it is in ("manifests" covers manifests/a/b.json). Empty
	// means every file, the target's drover.yaml and scripts included.
	Paths []string
}

// PushRefusedError says why a chain push was refused.
type PushRefusedError struct {
	Source, Target, Branch string
	Reason                 string
}

// Error reads "chain push from S to T branch B refused: reason".
func (e *PushRefusedError) Error() string {
	return fmt.Sprintf("chain push from %s to %s branch %s refused: %s", e.Source, e.Target, e.Branch, e.Reason)
}

// PushTarget checks that builds of project source may commit to branch of
// project target's repository, and returns that repository. It is refused,
// with a *PushRefusedError, without a projects file, when either project is
// not registered, when they are the same project, when target's
// accepts_from does not name source, or when it does not allow branch.
func (r *Registry) PushTarget(source, target, branch string) (string, error) {
	refuse := func(format string, args ...any) (string, error) {
		return "", &PushRefusedError{Source: source, Target: target, Branch: branch, Reason: fmt.Sprintf(format, args...)}
	}
	if r == nil {
		return refuse("the worker has no projects file (DROVER_PROJECTS_FILE); only a registered project can accept pushes")
	}
	if _, ok := r.Project(source); !ok {
		return refuse("project %q is not registered in the projects file", source)
	}
	t, ok := r.Project(target)
	if !ok {
		return refuse("project %q is not registered in the projects file", target)
	}
	if source == target {
		return refuse("a project may not push to its own repository")
	}
	if strings.TrimSpace(branch) == "" {
		return refuse("no branch")
	}
	i := slices.IndexFunc(t.AcceptsFrom, func(a Acceptance) bool { return a.Project == source })
	if i < 0 {
		return refuse("project %q does not accept pushes from %q (add it to accepts_from in its registration)", target, source)
	}
	acc := t.AcceptsFrom[i]
	if !slices.Contains(acc.Branches, "*") && !matchAny(acc.Branches, branch) {
		return refuse("project %q accepts pushes from %q to branches %s only", target, source, strings.Join(acc.Branches, ", "))
	}
	if acc.Repository != "" {
		return acc.Repository, nil
	}
	return t.Repositories[0], nil
}

// PushPaths checks that a push from project source to branch of project
// target may write each of files (paths of the target's repository), as
// the Paths of target's acceptance of source allow; a *PushRefusedError
// names the first file it may not. It assumes PushTarget allowed the push.
func (r *Registry) PushPaths(source, target, branch string, files []string) error {
	t, ok := r.Project(target)
	if !ok {
		return &PushRefusedError{Source: source, Target: target, Branch: branch,
			Reason: fmt.Sprintf("project %q is not registered in the projects file", target)}
	}
	i := slices.IndexFunc(t.AcceptsFrom, func(a Acceptance) bool { return a.Project == source })
	if i < 0 {
		return &PushRefusedError{Source: source, Target: target, Branch: branch,
			Reason: fmt.Sprintf("project %q does not accept pushes from %q", target, source)}
	}
	allowed := t.AcceptsFrom[i].Paths
	if len(allowed) == 0 {
		return nil
	}
	for _, f := range files {
		if !pathAllowed(allowed, path.Clean(f)) {
			return &PushRefusedError{Source: source, Target: target, Branch: branch,
				Reason: fmt.Sprintf("project %q accepts from %q only files %s: not %s", target, source, strings.Join(allowed, ", "), f)}
		}
	}
	return nil
}

// pathAllowed reports whether a pattern of patterns matches file or one of
// the directories it is in.
func pathAllowed(patterns []string, file string) bool {
	for p := file; p != "." && p != "/" && p != ""; p = path.Dir(p) {
		if matchAny(patterns, p) {
			return true
		}
	}
	return false
}

// PushesTo lists the projects that accept pushes from source, in file order.
func (r *Registry) PushesTo(source string) []string {
	var out []string
	for _, p := range r.Projects() {
		if slices.ContainsFunc(p.AcceptsFrom, func(a Acceptance) bool { return a.Project == source }) {
			out = append(out, p.Name)
		}
	}
	return out
}
