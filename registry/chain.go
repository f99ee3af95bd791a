package registry

import (
	"fmt"
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
