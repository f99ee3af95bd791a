// Package registry holds the registered projects: which repositories a
// project builds from, who may build, promote and administer it, whether its
// reads are public, which branches are trusted with secrets, the network of
// each step kind, and the protection of its environments. The registration
// is trusted (an administrator reviews it); every drover.yaml is not, so it
// may only make the registered protection stricter (see Protect).
//
// The projects file (DROVER_PROJECTS_FILE) is YAML, parsed strictly with
// errors naming the line and field. A Registry from Load re-reads the file
// when it changes; a nil *Registry means no projects file (local
// development): every project is allowed.
package registry

import (
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/pipeline"
)

// Role is what a user may do on a project. Each role implies the ones
// below it: admin implies promote, which implies build.
type Role string

// Roles, weakest first.
const (
	// RoleBuild starts, reruns and cancels builds, and reads private projects.
	RoleBuild Role = "build"
	// RolePromote starts, decides, cancels and redeploys promotions.
	RolePromote Role = "promote"
	// RoleAdmin administers the project: definitions posted by hand, audit.
	RoleAdmin Role = "admin"
)

// rank orders the roles; an unknown role ranks above every role, so no one holds it.
func (r Role) rank() int {
	switch r {
	case RoleBuild:
		return 1
	case RolePromote:
		return 2
	case RoleAdmin:
		return 3
	}
	return 99
}

// Network modes of a step.
const (
	NetworkHost = "host"
	NetworkNone = "none"
)

// Reads of a project.
const (
	ReadsPublic  = "public"
	ReadsPrivate = "private"
)

// Registry is the set of registered projects. Its methods are safe for
// concurrent use; one made by Load re-reads its file when it changes.
type Registry struct {
	path     string
	interval time.Duration
	now      func() time.Time
	stat     func(string) (modStamp, error)
	logf     func(msg string, err error)

	mu      sync.Mutex
	snap    *snapshot
	stamp   modStamp
	checked time.Time
}

// snapshot is one reading of the projects file.
type snapshot struct {
	admins   []string
	projects map[string]*Project
	order    []string
}

// Project is a registered project.
type Project struct {
	Name string
	// Repositories are the URLs (or, for local development, absolute paths)
	// the project builds from; a build of another repository is refused.
	Repositories []string
	// HookSecretEnv names the environment variable holding the project's
	// forge webhook secret; default DROVER_HOOK_SECRET_<PROJECT>.
	HookSecretEnv string
	// HookSigningEnv names the environment variable holding the project's
	// optional GitLab signing token; default DROVER_HOOK_SIGNING_<PROJECT>.
	HookSigningEnv string
	// Reads is ReadsPublic or ReadsPrivate.
	Reads string
	// Roles lists, per role, users and "group:<name>" entries.
	Roles map[Role][]string
	// TrustedBranches are path.Match patterns of branches whose builds may
	// receive secrets.
	TrustedBranches []string
	// Network is the network of each step kind (task, deploy, check).
	Network map[string]string
	// Environments are the protected environments, in file order.
	Environments []Protection
	// OnlyRegisteredEnvironments refuses a definition naming an environment
	// that Environments does not list, so that a commit cannot deploy
	// through an environment of its own (a renamed prod).
	OnlyRegisteredEnvironments bool
	// S3Buckets and CloudFormationStacks (path.Match patterns) are the
	// buckets the project's s3 deploys may publish to and the stacks its
	// cloudformation deploys may change, with the worker's AWS identity,
	// which serves every project: a deploy of another is refused (Protect).
	S3Buckets, CloudFormationStacks []string
	// ShareTemplatesWith names the projects ("*": every project) whose
	// drover.yaml may include template files of this project's repository;
	// a project whose reads are public shares them with every project.
	ShareTemplatesWith []string
	// Artifacts names the artifacts every version of the project carries
	// before it may be promoted, on top of those drover.yaml declares
	// (promotion.artifacts): a commit cannot drop one.
	Artifacts []string
	// AcceptsFrom names the projects whose builds may commit to this
	// project's repository with a push step, and to which branches.
	AcceptsFrom []Acceptance

	admins []string // the file's global admins
}

// RequiredArtifacts are the artifacts a version of p, defined by def's
// declared ones, must carry before it is promoted: def's, then those only
// the registration names. p may be nil (not registered).
func (p *Project) RequiredArtifacts(declared []string) []string {
	out := slices.Clone(declared)
	if p == nil {
		return out
	}
	for _, name := range p.Artifacts {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// Protection is the registered protection of one environment.
type Protection struct {
	Name string
	// Approvers, Required, PreventSelfApproval and Timeout make the approval
	// gate the environment always has; no approvers means no registered gate.
	Approvers           []string
	Required            int
	PreventSelfApproval bool
	Timeout             pipeline.Duration
	// Branches are path.Match patterns of the branches whose versions may
	// enter; empty means every branch. Tags are patterns of tags, matched
	// against versions of tag pushes, whose branch is "tag:<tag>".
	Branches []string
	Tags     []string
	// Window restricts deploys to a weekly schedule.
	Window *pipeline.Window
	// RequiredChecks run after the environment's own verification, whatever
	// drover.yaml says.
	RequiredChecks []pipeline.Verify
}

// Project returns the registered project name.
func (r *Registry) Project(name string) (*Project, bool) {
	if r == nil {
		return nil, false
	}
	p, ok := r.current().projects[name]
	return p, ok
}

// Projects returns the registered projects in file order.
func (r *Registry) Projects() []*Project {
	if r == nil {
		return nil
	}
	s := r.current()
	out := make([]*Project, 0, len(s.order))
	for _, n := range s.order {
		out = append(out, s.projects[n])
	}
	return out
}

// ForRepository returns the project that lists repository.
func (r *Registry) ForRepository(repository string) (*Project, bool) {
	if r == nil {
		return nil, false
	}
	s := r.current()
	for _, n := range s.order {
		if s.projects[n].HasRepository(repository) {
			return s.projects[n], true
		}
	}
	return nil, false
}

// GlobalAdmin reports whether u is one of the file's global admins (who read
// the audit of every project).
func (r *Registry) GlobalAdmin(u identity.User) bool {
	if r == nil {
		return false
	}
	return u.Name != "" && u.MayDecide(r.current().admins)
}

// Allows reports whether u holds role on p: u is named (or in a group named)
// by role or a stronger one, or is a global admin. A nil p allows everything.
func (p *Project) Allows(u identity.User, role Role) bool {
	if p == nil {
		return true
	}
	if u.Name == "" {
		return false
	}
	if u.MayDecide(p.admins) {
		return true
	}
	for r, who := range p.Roles {
		if r.rank() >= role.rank() && r.rank() != 99 && u.MayDecide(who) {
			return true
		}
	}
	return false
}

// PublicReads reports whether anyone may read p's builds, logs, artifacts
// and promotions.
func (p *Project) PublicReads() bool { return p == nil || p.Reads == ReadsPublic }

// TrustedBranch reports whether builds of branch may receive secrets.
func (p *Project) TrustedBranch(branch string) bool {
	if p == nil {
		return true
	}
	return branch != "" && matchAny(p.TrustedBranches, branch)
}

// StepNetwork is the network of a step kind: NetworkHost or NetworkNone,
// NetworkHost when the registration names none. The worker (see
// worker.StepNetwork) reads Network itself, so that a kind the registration
// names no network for runs on DROVER_SANDBOX_NETWORK instead.
func (p *Project) StepNetwork(kind string) string {
	if p != nil {
		if n, ok := p.Network[kind]; ok {
			return n
		}
	}
	return NetworkHost
}

// HasRepository reports whether p lists repository, compared without
// credentials, a trailing slash or ".git", and case-insensitively in the host.
func (p *Project) HasRepository(repository string) bool {
	if p == nil {
		return true
	}
	want := NormalizeRepository(repository)
	for _, r := range p.Repositories {
		if NormalizeRepository(r) == want {
			return true
		}
	}
	return false
}

// SharesTemplatesWith reports whether project may include template files
// of p's repository: p itself, any project when p's reads are public, else
// the projects p's registration lists in share_templates_with.
func (p *Project) SharesTemplatesWith(project string) bool {
	return p.Name == project || p.Reads == ReadsPublic ||
		slices.Contains(p.ShareTemplatesWith, project) || slices.Contains(p.ShareTemplatesWith, "*")
}

// Protected returns the registered protection of environment.
func (p *Project) Protected(environment string) (Protection, bool) {
	if p == nil {
		return Protection{}, false
	}
	for _, e := range p.Environments {
		if e.Name == environment {
			return e, true
		}
	}
	return Protection{}, false
}

// NormalizeRepository is repository in the form compared with a project's
// repositories: a URL without user info, query or fragment, its scheme and
// host lower case, without a trailing "/" or ".git"; a local path cleaned.
func NormalizeRepository(repository string) string {
	repository = strings.TrimSpace(repository)
	if strings.Contains(repository, "://") {
		u, err := url.Parse(repository)
		if err == nil {
			u.User, u.RawQuery, u.Fragment = nil, "", ""
			u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
			if u.Scheme == "file" {
				return filepath.Clean(u.Path)
			}
			repository = u.String()
		}
	} else if filepath.IsAbs(repository) {
		return filepath.Clean(repository)
	} else if at := strings.Index(repository, "@"); at > 0 && !strings.Contains(repository[:at], "/") {
		repository = repository[at+1:] // scp-like user@host:path
	}
	repository = strings.TrimRight(repository, "/")
	return strings.TrimSuffix(repository, ".git")
}

func matchAny(patterns []string, s string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool {
		ok, _ := path.Match(p, s)
		return ok
	})
}
