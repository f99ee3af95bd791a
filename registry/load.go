package registry

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/drover-ci/drover/pipeline"
)

// DefaultReloadInterval is how often a loaded projects file is checked for changes.
const DefaultReloadInterval = 10 * time.Second

// file is the shape of a projects file.
type file struct {
	// Admins are global admins: users and groups that administer every project.
	Admins   []string      `yaml:"admins"`
	Projects []fileProject `yaml:"projects"`
}

type fileProject struct {
	Name         string   `yaml:"name"`
	Repositories []string `yaml:"repositories"`
	// Paths are local repository paths, for development.
	Paths           []string          `yaml:"paths"`
	HookSecretEnv   string            `yaml:"hook_secret_env"`
	HookSigningEnv  string            `yaml:"hook_signing_env"`
	Reads           string            `yaml:"reads"`
	Roles           fileRoles         `yaml:"roles"`
	TrustedBranches []string          `yaml:"trusted_branches"`
	Network         map[string]string `yaml:"network"`
	Environments    []fileEnvironment `yaml:"environments"`
	// OnlyRegisteredEnvironments refuses definitions with environments
	// the registration does not list.
	OnlyRegisteredEnvironments bool `yaml:"only_registered_environments"`
	// ShareTemplatesWith names the projects that may include this
	// project's template files ("*": all).
	ShareTemplatesWith []string `yaml:"share_templates_with"`
	// Artifacts names the artifacts every version must carry before it is
	// promoted, whatever drover.yaml declares.
	Artifacts []string `yaml:"artifacts"`
	// AcceptsFrom names the projects whose builds may push to this
	// project's repository, and the branches they may push to.
	AcceptsFrom []fileAcceptance `yaml:"accepts_from"`
	// PromotionTypes are named protections environments use: their rules
	// are merged into each environment that lists them in uses.
	PromotionTypes map[string]fileEnvironment `yaml:"promotion_types"`
	// DeployTargets names what the project's s3 and cloudformation deploys
	// may change with the worker's AWS identity.
	DeployTargets fileDeployTargets `yaml:"deploy_targets"`
}

type fileDeployTargets struct {
	S3             []string `yaml:"s3"`
	CloudFormation []string `yaml:"cloudformation"`
}

type fileAcceptance struct {
	Project    string   `yaml:"project"`
	Branches   []string `yaml:"branches"`
	Repository string   `yaml:"repository"`
	Paths      []string `yaml:"paths"`
}

type fileRoles struct {
	Build   []string `yaml:"build"`
	Promote []string `yaml:"promote"`
	Admin   []string `yaml:"admin"`
}

type fileEnvironment struct {
	Name                string            `yaml:"name"`
	Approvers           []string          `yaml:"approvers"`
	Required            int               `yaml:"required"`
	PreventSelfApproval bool              `yaml:"prevent_self_approval"`
	Timeout             pipeline.Duration `yaml:"timeout"`
	Branches            []string          `yaml:"branches"`
	Tags                []string          `yaml:"tags"`
	Window              *pipeline.Window  `yaml:"window"`
	RequiredChecks      []pipeline.Verify `yaml:"required_checks"`
	// Uses names promotion types of the project (promotion_types) whose
	// rules apply here; not in a type itself.
	Uses []string `yaml:"uses"`
}

// withTypes merges into fe the promotion types it uses: their required
// checks, in the order of uses, before its own; approvers (with required,
// prevent_self_approval and timeout) and window each from one source. It
// returns the problems, each with the field (under base) they are at.
func (fe fileEnvironment) withTypes(types map[string]fileEnvironment) (fileEnvironment, [][2]string) {
	var problems [][2]string
	source := map[string]string{}
	if len(fe.Approvers) > 0 {
		source["approvers"] = "the environment"
	}
	if fe.Window != nil {
		source["window"] = "the environment"
	}
	var checks []pipeline.Verify
	for i, name := range fe.Uses {
		field := fmt.Sprintf(".uses[%d]", i)
		t, ok := types[name]
		switch {
		case !ok:
			problems = append(problems, [2]string{field, fmt.Sprintf("unknown promotion type %q", name)})
			continue
		case slices.Contains(fe.Uses[:i], name):
			problems = append(problems, [2]string{field, fmt.Sprintf("promotion type %q is used twice", name)})
			continue
		}
		if len(t.Approvers) > 0 {
			if first, set := source["approvers"]; set {
				problems = append(problems, [2]string{field, fmt.Sprintf("promotion type %q sets approvers, which %s sets already", name, first)})
			} else {
				source["approvers"] = fmt.Sprintf("promotion type %q", name)
				// Never weaker than what the environment itself asks: more
				// approvals, and self-approval refused when either refuses it.
				fe.Approvers, fe.Required = t.Approvers, max(fe.Required, t.Required)
				fe.PreventSelfApproval = fe.PreventSelfApproval || t.PreventSelfApproval
				if t.Timeout != 0 {
					fe.Timeout = t.Timeout
				}
			}
		}
		if t.Window != nil {
			if first, set := source["window"]; set {
				problems = append(problems, [2]string{field, fmt.Sprintf("promotion type %q sets a window, which %s sets already", name, first)})
			} else {
				source["window"], fe.Window = fmt.Sprintf("promotion type %q", name), t.Window
			}
		}
		for _, c := range t.RequiredChecks {
			c.From = name
			checks = append(checks, c)
		}
	}
	if len(checks) > 0 {
		fe.RequiredChecks = append(checks, fe.RequiredChecks...)
	}
	return fe, problems
}

// FileError is a problem at a position of a projects file.
type FileError struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

// Error reads file:line:column: field: message.
func (e *FileError) Error() string {
	msg := e.Msg
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, msg)
}

var (
	projectName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	clock       = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	weekdays    = map[string]bool{"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true}
	stepKinds   = map[string]bool{"task": true, "deploy": true, "check": true}
)

// Parse reads a projects file's content; name is used in errors. The result
// never reloads.
func Parse(name string, data []byte) (*Registry, error) {
	s, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	return &Registry{snap: s}, nil
}

// Load reads the projects file at path. The registry re-reads the file when
// its modification time or size changes, checked at most every interval
// (DefaultReloadInterval when zero); a file that no longer parses keeps the
// last good registration and is reported through logf (nil: not reported).
func Load(path string, interval time.Duration, logf func(msg string, err error)) (*Registry, error) {
	if interval <= 0 {
		interval = DefaultReloadInterval
	}
	r := &Registry{path: path, interval: interval, now: time.Now, stat: statFile, logf: logf}
	stamp, err := r.stat(path)
	if err != nil {
		return nil, fmt.Errorf("read projects file: %w", err)
	}
	s, err := readFile(path)
	if err != nil {
		return nil, err
	}
	r.snap, r.stamp, r.checked = s, stamp, r.now()
	return r, nil
}

// modStamp identifies a version of a file.
type modStamp struct {
	mod  time.Time
	size int64
}

func statFile(path string) (modStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return modStamp{}, err
	}
	return modStamp{mod: fi.ModTime(), size: fi.Size()}, nil
}

func readFile(path string) (*snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read projects file: %w", err)
	}
	return parse(path, data)
}

// current is the registration in force, re-read first when the file changed.
func (r *Registry) current() *snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.path == "" || r.now().Sub(r.checked) < r.interval {
		return r.snap
	}
	r.checked = r.now()
	stamp, err := r.stat(r.path)
	if err != nil {
		r.report("projects file unreadable; keeping the last registration", err)
		return r.snap
	}
	if stamp == r.stamp {
		return r.snap
	}
	s, err := readFile(r.path)
	if err != nil {
		r.report("projects file invalid; keeping the last registration", err)
		return r.snap
	}
	r.snap, r.stamp = s, stamp
	r.report("projects file reloaded", nil)
	return r.snap
}

func (r *Registry) report(msg string, err error) {
	if r.logf != nil {
		r.logf(msg, err)
	}
}

func parse(name string, data []byte) (*snapshot, error) {
	var f file
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, decodeError(name, err)
	}
	tree, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, decodeError(name, err)
	}
	var errs []error
	at := func(path, field, format string, args ...any) {
		line, col := position(tree, path)
		errs = append(errs, &FileError{File: name, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	checkWho := func(path, field string, who []string) {
		for i, w := range who {
			g, isGroup := strings.CutPrefix(w, "group:")
			if strings.TrimSpace(w) == "" || w != strings.TrimSpace(w) || (isGroup && strings.TrimSpace(g) == "") {
				at(fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%s[%d]", field, i), "%q is not a user or group:<name>", w)
			}
		}
	}
	checkPatterns := func(path, field string, patterns []string) {
		for i, p := range patterns {
			if _, err := filepath.Match(p, ""); err != nil || strings.TrimSpace(p) == "" {
				at(fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%s[%d]", field, i), "%q is not a branch pattern", p)
			}
		}
	}
	checkWho("$.admins", "admins", f.Admins)
	s := &snapshot{admins: f.Admins, projects: map[string]*Project{}}
	// Whose webhook secret each variable holds: names that differ only in
	// case or punctuation (web-app, web.app, Web_App) read the same
	// DROVER_HOOK_SECRET_WEB_APP, and one project's secret would sign the
	// other's pushes.
	secretOf := map[string]string{}
	for i, fp := range f.Projects {
		base, field := fmt.Sprintf("$.projects[%d]", i), fmt.Sprintf("projects[%d]", i)
		switch {
		case !projectName.MatchString(fp.Name):
			at(base, field+".name", "a project needs a name of letters, digits, '.', '_', '+', '-'")
			continue
		case s.projects[fp.Name] != nil:
			at(base+".name", field+".name", "project %q is registered twice", fp.Name)
			continue
		}
		p := &Project{Name: fp.Name, HookSecretEnv: fp.HookSecretEnv, HookSigningEnv: fp.HookSigningEnv, Reads: fp.Reads, TrustedBranches: fp.TrustedBranches,
			Network: map[string]string{}, admins: f.Admins, OnlyRegisteredEnvironments: fp.OnlyRegisteredEnvironments,
			Roles: map[Role][]string{RoleBuild: fp.Roles.Build, RolePromote: fp.Roles.Promote, RoleAdmin: fp.Roles.Admin}}
		if len(fp.Repositories)+len(fp.Paths) == 0 {
			at(base, field, "project %q lists no repositories (or paths)", fp.Name)
		}
		for j, repo := range fp.Repositories {
			if !strings.Contains(repo, "://") && !strings.Contains(repo, "@") {
				at(fmt.Sprintf("%s.repositories[%d]", base, j), fmt.Sprintf("%s.repositories[%d]", field, j),
					"%q is not a repository URL (local paths go under paths)", repo)
			}
		}
		p.Repositories = append([]string{}, fp.Repositories...)
		for j, dir := range fp.Paths {
			switch {
			case strings.TrimSpace(dir) == "" || strings.Contains(dir, "://"):
				at(fmt.Sprintf("%s.paths[%d]", base, j), fmt.Sprintf("%s.paths[%d]", field, j), "%q is not a local path", dir)
			case !filepath.IsAbs(dir):
				// Relative to the projects file's directory.
				abs, err := filepath.Abs(filepath.Join(filepath.Dir(name), dir))
				if err != nil {
					at(fmt.Sprintf("%s.paths[%d]", base, j), fmt.Sprintf("%s.paths[%d]", field, j), "%q: %v", dir, err)
				}
				p.Repositories = append(p.Repositories, abs)
			default:
				p.Repositories = append(p.Repositories, filepath.Clean(dir))
			}
		}
		if p.HookSecretEnv == "" {
			p.HookSecretEnv = "DROVER_HOOK_SECRET_" + hookEnvSuffix(fp.Name)
		} else if !pipeline.IsEnvName(p.HookSecretEnv) {
			at(base+".hook_secret_env", field+".hook_secret_env", "%q is not an environment variable name", p.HookSecretEnv)
		}
		if other, taken := secretOf[p.HookSecretEnv]; taken {
			at(base+".hook_secret_env", field+".hook_secret_env",
				"project %q would read its webhook secret from %s, as project %q does: give one of them its own hook_secret_env",
				fp.Name, p.HookSecretEnv, other)
		} else {
			secretOf[p.HookSecretEnv] = fp.Name
		}
		if p.HookSigningEnv == "" {
			p.HookSigningEnv = "DROVER_HOOK_SIGNING_" + hookEnvSuffix(fp.Name)
		} else if !pipeline.IsEnvName(p.HookSigningEnv) {
			at(base+".hook_signing_env", field+".hook_signing_env", "%q is not an environment variable name", p.HookSigningEnv)
		}
		switch p.Reads {
		case "":
			p.Reads = ReadsPrivate
		case ReadsPublic, ReadsPrivate:
		default:
			at(base+".reads", field+".reads", "must be public or private, not %q", p.Reads)
		}
		checkWho(base+".roles.build", field+".roles.build", fp.Roles.Build)
		checkWho(base+".roles.promote", field+".roles.promote", fp.Roles.Promote)
		checkWho(base+".roles.admin", field+".roles.admin", fp.Roles.Admin)
		checkPatterns(base+".trusted_branches", field+".trusted_branches", fp.TrustedBranches)
		checkPatterns(base+".deploy_targets.s3", field+".deploy_targets.s3", fp.DeployTargets.S3)
		checkPatterns(base+".deploy_targets.cloudformation", field+".deploy_targets.cloudformation", fp.DeployTargets.CloudFormation)
		p.S3Buckets, p.CloudFormationStacks = fp.DeployTargets.S3, fp.DeployTargets.CloudFormation
		for j, name := range fp.ShareTemplatesWith {
			if name != "*" && !projectName.MatchString(name) {
				at(fmt.Sprintf("%s.share_templates_with[%d]", base, j), fmt.Sprintf("%s.share_templates_with[%d]", field, j),
					"%q is not a project name or \"*\"", name)
			}
		}
		p.ShareTemplatesWith = fp.ShareTemplatesWith
		for j, name := range fp.Artifacts {
			if !projectName.MatchString(name) || slices.Contains(fp.Artifacts[:j], name) {
				at(fmt.Sprintf("%s.artifacts[%d]", base, j), fmt.Sprintf("%s.artifacts[%d]", field, j),
					"%q is not an artifact name, or is listed twice", name)
			}
		}
		p.Artifacts = fp.Artifacts
		for j, a := range fp.AcceptsFrom {
			ab, af := fmt.Sprintf("%s.accepts_from[%d]", base, j), fmt.Sprintf("%s.accepts_from[%d]", field, j)
			switch {
			case !projectName.MatchString(a.Project):
				at(ab, af+".project", "%q is not a project name", a.Project)
			case a.Project == fp.Name:
				at(ab+".project", af+".project", "a project may not accept pushes from itself")
			case len(a.Branches) == 0:
				at(ab, af+".branches", "name the branches the pushes may update (\"*\" for every branch)")
			}
			checkPatterns(ab+".branches", af+".branches", a.Branches)
			for k, pat := range a.Paths {
				clean := path.Clean(pat)
				if _, err := path.Match(pat, ""); err != nil || strings.TrimSpace(pat) == "" || path.IsAbs(pat) ||
					clean != pat || clean == ".." || strings.HasPrefix(clean, "../") {
					at(fmt.Sprintf("%s.paths[%d]", ab, k), fmt.Sprintf("%s.paths[%d]", af, k),
						"%q is not a path pattern of the repository (relative, clean: config.json, manifests, images/*.json)", pat)
				}
			}
			repo := ""
			if a.Repository != "" {
				// Paths resolve as the project's own do (relative to this file).
				if i := slices.Index(append(slices.Clone(fp.Repositories), fp.Paths...), a.Repository); i >= 0 && i < len(p.Repositories) {
					repo = p.Repositories[i]
				} else {
					at(ab+".repository", af+".repository", "%q is not one of the project's repositories or paths", a.Repository)
				}
			}
			p.AcceptsFrom = append(p.AcceptsFrom, Acceptance{Project: a.Project, Branches: a.Branches, Repository: repo, Paths: a.Paths})
		}
		for kind, mode := range fp.Network {
			switch {
			case !stepKinds[kind]:
				at(base+".network."+kind, field+".network."+kind, "unknown step kind %q: want task, deploy or check", kind)
			case mode != NetworkHost && mode != NetworkNone:
				at(base+".network."+kind, field+".network."+kind, "must be host or none, not %q", mode)
			default:
				p.Network[kind] = mode
			}
		}
		for _, name := range slices.Sorted(maps.Keys(fp.PromotionTypes)) {
			t := fp.PromotionTypes[name]
			tb, tf := base+".promotion_types."+name, field+".promotion_types."+name
			switch {
			case !projectName.MatchString(name):
				at(tb, tf, "%q is not a promotion type name", name)
			case t.Name != "" || len(t.Branches) > 0 || len(t.Tags) > 0 || len(t.Uses) > 0:
				at(tb, tf, "a promotion type holds approvers, required, prevent_self_approval, timeout, window and required_checks only")
			case len(t.Approvers) == 0 && t.Window == nil && len(t.RequiredChecks) == 0:
				at(tb, tf, "a promotion type sets at least one of approvers, window or required_checks")
			}
		}
		envs := map[string]bool{}
		for j, fe := range fp.Environments {
			eb, ef := fmt.Sprintf("%s.environments[%d]", base, j), fmt.Sprintf("%s.environments[%d]", field, j)
			fe, problems := fe.withTypes(fp.PromotionTypes)
			for _, pr := range problems {
				at(eb+pr[0], ef+pr[0], "%s", pr[1])
			}
			switch {
			case !projectName.MatchString(fe.Name):
				at(eb, ef+".name", "an environment needs a name")
				continue
			case envs[fe.Name]:
				at(eb+".name", ef+".name", "environment %q is listed twice", fe.Name)
				continue
			}
			envs[fe.Name] = true
			checkWho(eb+".approvers", ef+".approvers", fe.Approvers)
			checkPatterns(eb+".branches", ef+".branches", fe.Branches)
			checkPatterns(eb+".tags", ef+".tags", fe.Tags)
			switch {
			case fe.Required < 0:
				at(eb+".required", ef+".required", "must not be negative")
			case fe.Required > 0 && len(fe.Approvers) == 0:
				at(eb+".required", ef+".required", "required approvals need approvers")
			case fe.PreventSelfApproval && len(fe.Approvers) == 0:
				at(eb+".prevent_self_approval", ef+".prevent_self_approval", "prevent_self_approval needs approvers")
			}
			if w := fe.Window; w != nil {
				if !clock.MatchString(w.Start) || !clock.MatchString(w.End) {
					at(eb+".window", ef+".window", "start and end must be HH:MM times")
				}
				for k, d := range w.Days {
					if !weekdays[d] {
						at(fmt.Sprintf("%s.window.days[%d]", eb, k), fmt.Sprintf("%s.window.days[%d]", ef, k),
							"%q is not mon, tue, wed, thu, fri, sat or sun", d)
					}
				}
				if _, err := time.LoadLocation(w.Timezone); err != nil {
					at(eb+".window.timezone", ef+".window.timezone", "unknown time zone %q", w.Timezone)
				}
			}
			for k, v := range fe.RequiredChecks {
				kinds := 0
				for _, set := range []bool{v.HTTP != nil, v.Task != nil, v.Bake != nil, v.External != nil,
					v.Jenkins != nil, v.GitHub != nil, v.GitLab != nil} {
					if set {
						kinds++
					}
				}
				switch {
				case kinds != 1:
					at(fmt.Sprintf("%s.required_checks[%d]", eb, k), fmt.Sprintf("%s.required_checks[%d]", ef, k),
						"a check is one of http, task, bake, external, jenkins, github_actions or gitlab")
				case v.Jenkins != nil && (v.Jenkins.URL == "" || len(v.Jenkins.Jobs) == 0 || v.Jenkins.Token.Secret == ""),
					v.GitHub != nil && (v.GitHub.Repository == "" || len(v.GitHub.Workflows) == 0 || v.GitHub.Ref == "" || v.GitHub.Token.Secret == ""),
					v.GitLab != nil && (len(v.GitLab.Projects) == 0 || v.GitLab.Ref == "" || v.GitLab.Token.Secret == ""):
					at(fmt.Sprintf("%s.required_checks[%d]", eb, k), fmt.Sprintf("%s.required_checks[%d]", ef, k),
						"a jenkins check needs a url, jobs and a token secret; github_actions a repository, workflows, ref and token secret; gitlab projects, ref and a token secret")
				case v.HTTP != nil && v.HTTP.URL == "" && v.HTTP.URLs == nil && v.HTTP.DNS == nil, v.Task != nil && strings.TrimSpace(v.Task.Run) == "",
					v.Bake != nil && *v.Bake <= 0:
					at(fmt.Sprintf("%s.required_checks[%d]", eb, k), fmt.Sprintf("%s.required_checks[%d]", ef, k),
						"an http check needs a url, a task check a run, a bake a duration")
				}
			}
			required := fe.Required
			if required == 0 && len(fe.Approvers) > 0 {
				required = 1
			}
			p.Environments = append(p.Environments, Protection{Name: fe.Name, Approvers: fe.Approvers, Required: required,
				PreventSelfApproval: fe.PreventSelfApproval, Timeout: fe.Timeout, Branches: fe.Branches, Tags: fe.Tags,
				Window: fe.Window, RequiredChecks: fe.RequiredChecks})
		}
		s.projects[p.Name] = p
		s.order = append(s.order, p.Name)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// hookEnvSuffix is the project's name as used in environment variable names:
// upper case, every character but a letter or digit an underscore (as
// api.HookEnvSuffix).
func hookEnvSuffix(project string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(project) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// decodeError turns a go-yaml error into a FileError at its token.
func decodeError(name string, err error) error {
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		fe := &FileError{File: name, Msg: yerr.GetMessage()}
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			fe.Line, fe.Column = tk.Position.Line, tk.Position.Column
		}
		return fe
	}
	return &FileError{File: name, Msg: err.Error()}
}

// position is the line and column of the node at a YAML path, or zeros.
func position(tree *ast.File, path string) (int, int) {
	p, err := yaml.PathString(path)
	if err != nil {
		return 0, 0
	}
	node, err := p.FilterFile(tree)
	if err != nil || node == nil || node.GetToken() == nil || node.GetToken().Position == nil {
		return 0, 0
	}
	pos := node.GetToken().Position
	return pos.Line, pos.Column
}
