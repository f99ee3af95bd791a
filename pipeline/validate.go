package pipeline

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MaxTaskTimeout is the longest timeout a task may set.
const MaxTaskTimeout = 24 * time.Hour

// MaxRetries is the most retries a task may set.
const MaxRetries = 10

var (
	// namePattern is for project, stage, task and environment names, which
	// appear in workflow IDs and URLs.
	namePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)
	labelPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	envPattern   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// IsEnvName reports whether s is an environment variable name (a shell
// identifier), as env keys and the variables registrations name must be.
func IsEnvName(s string) bool { return envPattern.MatchString(s) }

const nameRule = "use 1 to 63 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit"

// validator collects the problems of one definition, placed by idx.
type validator struct {
	file string
	idx  *fieldIndex
	errs []*Error
}

// validate checks p and returns nil, a *Error or Errors.
func validate(file string, p *Project, idx *fieldIndex) error {
	v := &validator{file: file, idx: idx}
	v.project(p)
	return joinErrors(v.errs)
}

func (v *validator) add(field, format string, args ...any) {
	at := v.idx.lookup(field)
	v.errs = append(v.errs, &Error{File: v.file, Line: at.line, Column: at.col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) project(p *Project) {
	v.name("project", p.Project)
	v.build(p.Build)
	if p.Promotion != nil {
		v.promotion(*p.Promotion)
	}
	if p.Notify != nil {
		v.notify(*p.Notify)
	}
	if p.Triggers != nil {
		v.triggers(*p.Triggers)
	}
	v.inputs(p)
}

// name checks a required name against namePattern.
func (v *validator) name(field, name string) {
	switch {
	case name == "":
		v.add(field, "required")
	case !namePattern.MatchString(name):
		v.add(field, "invalid name %q: %s", name, nameRule)
	}
}

// unique reports name at field when seen already holds it, else records it.
func (v *validator) unique(seen map[string]string, field, what, name string) {
	if name == "" {
		return
	}
	if first, ok := seen[name]; ok {
		v.add(field, "duplicate %s %q, first used at %s", what, name, first)
		return
	}
	seen[name] = field
}

// timeout checks a duration that must be positive when set and at most limit (if limit > 0).
func (v *validator) timeout(field string, d Duration, limit time.Duration) {
	switch {
	case d < 0 || (d == 0 && v.idx.isSet(field)):
		v.add(field, "must be more than 0")
	case limit > 0 && d.Std() > limit:
		v.add(field, "must be at most %s", Duration(limit))
	}
}

func (v *validator) build(b Build) {
	if len(b.Stages) == 0 {
		v.add("build.stages", "at least one stage is required")
		return
	}
	if !v.checkCounts(b) {
		return
	}
	seen := map[string]string{}
	for i, s := range b.Stages {
		field := fmt.Sprintf("build.stages[%d]", i)
		v.name(field+".name", s.Name)
		v.unique(seen, field+".name", "stage name", s.Name)
		if len(s.Tasks) == 0 {
			v.add(field+".tasks", "a stage needs at least one task")
		}
		tasks, defined := map[string]string{}, map[string]string{}
		for j, t := range s.Tasks {
			v.task(fmt.Sprintf("%s.tasks[%d]", field, j), t, tasks, defined)
		}
	}
	if len(v.errs) == 0 {
		// Needs name tasks by the names a valid build gives them.
		v.needs(b)
	}
}

// task checks the task at field; seen holds the names of the stage's
// tasks, those of matrix combinations included, and defined those written
// in the stage.
func (v *validator) task(field string, t Task, seen, defined map[string]string) {
	v.name(field+".name", t.Name)
	if _, dup := defined[t.Name]; dup {
		v.unique(defined, field+".name", "task name", t.Name)
	} else if t.Matrix == nil {
		v.unique(seen, field+".name", "task name", t.Name)
	} else if namePattern.MatchString(t.Name) {
		combos := map[string]string{}
		for _, c := range v.matrix(field, t) {
			switch first, dup := combos[c.name]; {
			case dup:
				v.add(field+".matrix", "the combinations %s and %s both make the task name %q", first, c.describe(), c.name)
			case !namePattern.MatchString(c.name):
				v.add(field+".matrix", "the combination %s makes the task name %q, over 63 characters", c.describe(), c.name)
			default:
				v.unique(seen, field+".matrix", "task name", c.name)
			}
			combos[c.name] = c.describe()
		}
	}
	if t.Name != "" {
		defined[t.Name] = cmp.Or(defined[t.Name], field+".name")
	}
	v.steps(field, t)
	v.timeout(field+".timeout", t.Timeout, MaxTaskTimeout)
	switch {
	case t.Retries < 0:
		v.add(field+".retries", "must be 0 or more")
	case t.Retries > MaxRetries:
		v.add(field+".retries", "must be at most %d", MaxRetries)
	}
	for i, label := range t.RunsOn {
		if key, ok := matrixLabel(label); ok {
			v.matrixLabel(fmt.Sprintf("%s.runs-on[%d]", field, i), t, key)
			continue
		}
		if !labelPattern.MatchString(label) {
			v.add(fmt.Sprintf("%s.runs-on[%d]", field, i), "invalid label %q: use lowercase letters, digits, '-', '_' or '.', starting with a letter or digit", label)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(t.Env)) {
		switch {
		case !envPattern.MatchString(name):
			v.add(field+".env."+name, "invalid variable name %q: use letters, digits and '_', not starting with a digit", name)
		case strings.HasPrefix(name, "DROVER_"):
			v.add(field+".env."+name, "variables starting with DROVER_ are reserved for Drover")
		}
	}
	v.secrets(field, t.Secrets)
	v.caches(field, t.Cache)
	names := map[string]string{}
	for i, a := range t.Artifacts {
		af := fmt.Sprintf("%s.artifacts[%d]", field, i)
		if strings.TrimSpace(a.Name) == "" {
			v.add(af+".name", "required")
		}
		v.unique(names, af+".name", "artifact name", a.Name)
		v.relativePath(af+".path", a.Path, "workspace")
	}
}

// steps checks that t has either a run script or a list of steps, each
// named uniquely with a script of its own.
func (v *validator) steps(field string, t Task) {
	hasRun := strings.TrimSpace(t.Run) != ""
	// A task of a template has its steps in the template, not written at field.
	hasSteps := len(t.Steps) > 0 || v.idx.isSet(field+".steps")
	switch {
	case hasRun && hasSteps:
		v.add(field+".steps", "a task has either run or steps, not both")
		return
	case hasRun:
		return
	case !hasSteps:
		v.add(field+".run", "required")
		return
	case len(t.Steps) == 0:
		v.add(field+".steps", "at least one step is required")
		return
	case len(t.Steps) > MaxSteps:
		v.add(field+".steps", "the number of steps is %d, over the limit of %d", len(t.Steps), MaxSteps)
		return
	}
	seen := map[string]string{}
	for i, st := range t.Steps {
		sf := fmt.Sprintf("%s.steps[%d]", field, i)
		v.name(sf+".name", st.Name)
		v.unique(seen, sf+".name", "step name", st.Name)
		switch {
		case st.Push != nil && strings.TrimSpace(st.Run) != "":
			v.add(sf+".push", "a step has either run or push, not both")
		case st.Push != nil:
			v.push(sf+".push", st.Push)
		case strings.TrimSpace(st.Run) == "":
			v.add(sf+".run", "required")
		}
	}
}

// relativePath checks a required path that must stay inside root.
func (v *validator) relativePath(field, p, root string) {
	clean := path.Clean(p)
	switch {
	case strings.TrimSpace(p) == "":
		v.add(field, "required")
	case path.IsAbs(p) || strings.HasPrefix(p, `\`):
		v.add(field, "must be relative to the %s, not absolute", root)
	case clean == ".." || strings.HasPrefix(clean, "../"):
		v.add(field, "must stay inside the %s (no '..' escape)", root)
	}
}
