package pipeline

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

// PushStep is a step that commits to the repository of another registered
// project: a chain from one project's build to the next project's. The
// worker makes the commit and pushes it itself, never the task's scripts,
// with credentials read from the build's project's secrets; it is refused
// unless the target's registration accepts pushes from the build's project
// to the branch (accepts_from in the projects file), and unless the build's
// branch is trusted with secrets. The files and values come from the
// task's workspace, after the steps before it.
type PushStep struct {
	// Project is the registered project whose repository is pushed to.
	Project string `yaml:"project" json:"project"`
	// Branch is the branch pushed to; placeholders allowed; default
	// "{branch}", the build's own branch.
	Branch string `yaml:"branch" json:"branch,omitempty"`
	// Files are workspace files written into the target repository.
	Files []PushFile `yaml:"files" json:"files,omitempty"`
	// JSON sets values in JSON files of the target repository.
	JSON []PushJSON `yaml:"json" json:"json,omitempty"`
	// Message is the commit message; placeholders allowed; default
	// DefaultPushMessage.
	Message string `yaml:"message" json:"message,omitempty"`
	// Credentials name the project's secrets that authenticate the push to
	// an HTTP(S) repository; a local or ssh repository needs none.
	Credentials *PushCredentials `yaml:"credentials" json:"credentials,omitempty"`
}

// PushFile copies the workspace file From to the path To of the target
// repository (To defaults to From).
type PushFile struct {
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to" json:"to,omitempty"`
}

// PushJSON sets top-level keys (or "a.b" paths of nested objects) of the
// JSON object in File of the target repository, creating the file when it
// does not exist; each value is a string with placeholders.
type PushJSON struct {
	File string            `yaml:"file" json:"file"`
	Set  map[string]string `yaml:"set" json:"set"`
}

// PushCredentials name the secrets holding the user name and password (or
// token) of an HTTP(S) push.
type PushCredentials struct {
	Username string `yaml:"username" json:"username,omitempty"`
	Password string `yaml:"password" json:"password"`
}

// DefaultPushMessage is the commit message of a push step that sets none.
const DefaultPushMessage = "{project} {commit:12} ({build})"

// MaxPushFiles bounds the files and JSON edits of one push step.
const MaxPushFiles = 50

// PushPlaceholders are what a push step's branch, message and JSON values
// may contain, besides {commit:N} and {file:PATH} (the trimmed content of
// a workspace file, at most 4 KiB).
var PushPlaceholders = []string{"project", "commit", "branch", "build", "version"}

// pushPlaceholder matches a placeholder of a push step.
var pushPlaceholder = regexp.MustCompile(`\{[^{}]*\}`)

// ExpandPush replaces the placeholders of s with vars (keyed by
// PushPlaceholders' names), {commit:N} with the start of vars["commit"] and
// {file:PATH} with readFile(PATH).
func ExpandPush(s string, vars map[string]string, readFile func(string) (string, error)) (string, error) {
	var firstErr error
	out := pushPlaceholder.ReplaceAllStringFunc(s, func(p string) string {
		name := p[1 : len(p)-1]
		if v, ok := vars[name]; ok {
			return v
		}
		if n, ok := ShortCommitLength(name); ok && n > 0 {
			return ShortCommit(vars["commit"], n)
		}
		if f, ok := strings.CutPrefix(name, "file:"); ok && readFile != nil {
			v, err := readFile(f)
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("placeholder %s: %w", p, err)
			}
			return v
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("unknown placeholder %s", p)
		}
		return p
	})
	return out, firstErr
}

// pushProblem is the problem of the placeholders of s, or "".
func pushProblem(s string) string {
	for _, p := range pushPlaceholder.FindAllString(s, -1) {
		name := p[1 : len(p)-1]
		switch {
		case slices.Contains(PushPlaceholders, name):
		case shortCommitProblem(p) != "":
			return shortCommitProblem(p)
		case strings.HasPrefix(name, "commit:"):
		case strings.HasPrefix(name, "file:"):
			if f := strings.TrimPrefix(name, "file:"); badRelative(f) {
				return fmt.Sprintf("placeholder %s: the file must be a relative path inside the workspace", p)
			}
		default:
			return fmt.Sprintf("unknown placeholder %s: use {%s}, {commit:N} or {file:PATH}", p, strings.Join(PushPlaceholders, "}, {"))
		}
	}
	return ""
}

// badRelative reports whether p is empty, absolute or escapes its root.
func badRelative(p string) bool {
	clean := path.Clean(p)
	return strings.TrimSpace(p) == "" || path.IsAbs(p) || strings.HasPrefix(p, `\`) || clean == ".." || strings.HasPrefix(clean, "../")
}

// push checks a push step at field.
func (v *validator) push(field string, p *PushStep) {
	if !projectPattern.MatchString(p.Project) {
		v.add(field+".project", "required: the registered project to push to")
	}
	if len(p.Files)+len(p.JSON) == 0 {
		v.add(field, "a push needs files or json to commit")
	}
	if len(p.Files)+len(p.JSON) > MaxPushFiles {
		v.add(field, "a push may write at most %d files", MaxPushFiles)
	}
	for i, f := range p.Files {
		ff := fmt.Sprintf("%s.files[%d]", field, i)
		v.relativePath(ff+".from", f.From, "workspace")
		if f.To != "" {
			v.repoPath(ff+".to", f.To)
		}
	}
	for i, j := range p.JSON {
		jf := fmt.Sprintf("%s.json[%d]", field, i)
		v.repoPath(jf+".file", j.File)
		if len(j.Set) == 0 {
			v.add(jf+".set", "required: the keys to set")
		}
		for _, k := range slices.Sorted(maps.Keys(j.Set)) {
			if strings.TrimSpace(k) == "" || slices.Contains(strings.Split(k, "."), "") {
				v.add(jf+".set", "key %q is not a key or a.b path", k)
			}
			if msg := pushProblem(j.Set[k]); msg != "" {
				v.add(jf+".set."+k, "%s", msg)
			}
		}
	}
	if msg := pushProblem(p.Branch); msg != "" {
		v.add(field+".branch", "%s", msg)
	}
	if msg := pushProblem(p.Message); msg != "" {
		v.add(field+".message", "%s", msg)
	}
	if c := p.Credentials; c != nil {
		if strings.TrimSpace(c.Password) == "" {
			v.add(field+".credentials.password", "required: the secret holding the password or token")
		}
	}
}

// repoPath checks a path of the target repository.
func (v *validator) repoPath(field, p string) {
	v.relativePath(field, p, "repository")
	if first, _, _ := strings.Cut(path.Clean(p), "/"); first == ".git" {
		v.add(field, "must not write into .git")
	}
}
