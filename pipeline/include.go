package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Include is one entry of a definition's include list: a file of stage and
// task templates, read from the build's own repository at the build's
// commit, or from the repository of another registered project at a pinned
// ref. Stages and tasks use its templates as "use: <name>/<template>".
//
// An included file is a template file:
//
//	params:                         # the parameters an include may set (strings)
//	  version: {default: "1.23"}    # without a default, a parameter is required
//	tasks:                          # task templates, by name
//	  lint:                         # a task (run or steps, matrix...) without name and secrets
//	    run: golangci-lint run ./...
//	stages:                         # stage templates, by name
//	  test:                         # a stage without name, tasks without secrets
//	    tasks:
//	      - {name: unit, run: "go${{ with.version }} test ./..."}
//
// "${{ with.NAME }}" in a string value of a template is replaced by the
// parameter's value; parameters are never substituted anywhere else (keys,
// numbers, booleans), so a value can never add YAML structure. A template
// file includes nothing, uses no other template and names no secrets: a
// task gets secrets only from the drover.yaml that uses it.
type Include struct {
	// Name is how stages and tasks refer to the file; unique.
	Name string `yaml:"name" json:"name"`
	// Project is the registered project whose repository holds File; empty
	// for the build's own repository.
	Project string `yaml:"project" json:"project,omitempty"`
	// Ref pins another project's file: a full commit SHA or a tag (never a
	// branch, which would make builds irreproducible). Required with
	// Project, not allowed without: the build's own file is read at the
	// build's commit.
	Ref string `yaml:"ref" json:"ref,omitempty"`
	// File is the path of the template file in the repository.
	File string `yaml:"file" json:"file"`
	// With sets parameters the template file declares.
	With map[string]string `yaml:"with" json:"with,omitempty"`
}

// IncludedFile is the content of an include's file, as the server read it.
type IncludedFile struct {
	// Source names the file in errors and in the From of the stages and
	// tasks it gives: "devops@3f2a1b2c9d0e:templates/go.yaml" for another
	// project's file, "templates/go.yaml" for the build's own.
	Source string
	Data   []byte
}

// Fetch reads the file of inc for the definition of project. A refusal
// the definition can fix (a project that is not registered or does not
// share its templates, a ref or file that does not exist) is an
// *IncludeError, reported at the include's entry; any other error means
// the infrastructure failed and is returned as is.
type Fetch func(project string, inc Include) (IncludedFile, error)

// IncludeError is a refusal of an include by a Fetch. Field names the field
// of the include it concerns ("project", "ref" or "file"), or is empty for
// the whole entry.
type IncludeError struct {
	Field string
	Msg   string
}

// Error returns the message.
func (e *IncludeError) Error() string { return e.Msg }

// TaskOverrides are the fields a task that uses a task template may set
// beside use: its name, and env merged over the template's. The others
// replace the template's (a matrix runs the template once per
// combination, needs name tasks of the build that uses it); secrets are
// only ever given here.
var TaskOverrides = []string{"name", "env", "secrets", "timeout", "retries", "runs-on", "matrix", "needs"}

// templateFile is the shape of an included file.
type templateFile struct {
	Params map[string]templateParam `yaml:"params"`
	Tasks  map[string]Task          `yaml:"tasks"`
	Stages map[string]Stage         `yaml:"stages"`
}

// templateParam is one parameter a template file declares.
type templateParam struct {
	// Default is the value when the include does not set it; nil makes the
	// parameter required.
	Default     *string `yaml:"default"`
	Description string  `yaml:"description"`
}

// templates are the templates of one include, parameters substituted.
type templates struct {
	source string
	tasks  map[string]Task
	stages map[string]Stage
	// tag is the include's ref when it reads another project's file at a
	// tag, which that project's pushers can move; include is its field.
	tag, include string
}

var (
	paramPattern   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)
	projectPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$`)
	refPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/+-]{0,199}$`)
	// commitPattern is a full commit SHA (SHA-1 or SHA-256).
	commitPattern = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
	// expression is "${{ ... }}" in a template's string value.
	expression = regexp.MustCompile(`\$\{\{(.*?)\}\}`)
	withParam  = regexp.MustCompile(`^with\.([A-Za-z_][A-Za-z0-9_-]{0,63})$`)
)

// expandIncludes fetches the includes of p and replaces every stage and
// task that uses a template by the template. Problems of drover.yaml are
// placed by idx; problems inside a template file name that file.
func expandIncludes(file string, p *Project, idx *fieldIndex, fetch Fetch) error {
	v := &validator{file: file, idx: idx}
	v.includes(p.Include)
	if len(v.errs) > 0 {
		return joinErrors(v.errs)
	}
	fetched := make([]IncludedFile, len(p.Include))
	for i, inc := range p.Include {
		field := fmt.Sprintf("include[%d]", i)
		if fetch == nil {
			v.add(field, "includes are resolved by the Drover server, which reads the included files")
			continue
		}
		got, err := fetch(p.Project, inc)
		var refused *IncludeError
		switch {
		case errors.As(err, &refused):
			if refused.Field != "" {
				field += "." + refused.Field
			}
			v.add(field, "%s", refused.Msg)
		case err != nil:
			return fmt.Errorf("include %s: %w", inc.Name, err)
		}
		fetched[i] = got
	}
	if len(v.errs) > 0 {
		return joinErrors(v.errs)
	}
	files := map[string]*templates{}
	for i, inc := range p.Include {
		t, err := v.loadTemplates(fmt.Sprintf("include[%d]", i), inc, fetched[i])
		if err != nil {
			return err
		}
		files[inc.Name] = t // nil when its parameters are wrong
	}
	v.expand(p, files)
	return joinErrors(v.errs)
}

// includes checks the include entries themselves.
func (v *validator) includes(list []Include) {
	if len(list) > MaxIncludes {
		v.add("include", "the number of includes is %d, over the limit of %d", len(list), MaxIncludes)
		return
	}
	seen := map[string]string{}
	for i, inc := range list {
		field := fmt.Sprintf("include[%d]", i)
		v.name(field+".name", inc.Name)
		v.unique(seen, field+".name", "include name", inc.Name)
		switch {
		case inc.Project != "" && !projectPattern.MatchString(inc.Project):
			v.add(field+".project", "invalid project name %q", inc.Project)
		case inc.Project != "" && inc.Ref == "":
			v.add(field+".ref", "required with project: a full commit SHA or a tag, so that every build reads the same file")
		case inc.Project == "" && inc.Ref != "":
			v.add(field+".ref", "a file of this repository is read at the build's commit; ref pins a file of another project (set project)")
		case inc.Ref != "" && (!refPattern.MatchString(inc.Ref) || strings.Contains(inc.Ref, "..")):
			v.add(field+".ref", "invalid ref %q: give a full commit SHA or a tag", inc.Ref)
		}
		v.relativePath(field+".file", inc.File, "repository")
		if len(inc.With) > MaxParams {
			v.add(field+".with", "the number of parameters is %d, over the limit of %d", len(inc.With), MaxParams)
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(inc.With)) {
			if len(inc.With[name]) > MaxParamBytes {
				v.add(field+".with."+name, "the value is %d bytes, over the limit of %d bytes", len(inc.With[name]), MaxParamBytes)
			}
		}
	}
}

// loadTemplates parses the template file got of inc (at field of
// drover.yaml) with inc's parameters substituted. Problems of the file are
// returned; problems of inc's parameters are added to v and leave no
// templates.
func (v *validator) loadTemplates(field string, inc Include, got IncludedFile) (*templates, error) {
	src := got.Source
	if err := checkTokens(src, got.Data); err != nil {
		return nil, err
	}
	f, err := parseYAML(got.Data)
	if err != nil {
		return nil, syntaxError(src, got.Data, err)
	}
	body, err := documentBody(src, f, "template file", "tasks or stages")
	if err != nil {
		return nil, err
	}
	if err := checkTree(src, body); err != nil {
		return nil, err
	}
	idx := newFieldIndex(body)
	if errs := unknownFieldsOf(src, body, idx, reflect.TypeFor[templateFile]()); len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	mergeKeysFirst(body)
	tv := &validator{file: src, idx: idx}
	var params struct {
		Params map[string]templateParam `yaml:"params"`
	}
	// Only the params first: the templates hold expressions until the
	// parameters' values replace them.
	if err := decodeLoose(body, &params); err != nil {
		return nil, decodeError(src, idx, err)
	}
	for _, name := range slices.Sorted(maps.Keys(params.Params)) {
		if !paramPattern.MatchString(name) {
			tv.add("params."+name, "invalid parameter name %q: use letters, digits, '_' and '-', starting with a letter or '_'", name)
		}
	}
	if err := joinErrors(tv.errs); err != nil {
		return nil, err
	}
	values, ok := v.params(field, inc, params.Params, src)
	if !ok {
		return nil, nil
	}
	tv.substitute(got.Data, body, values, slices.Sorted(maps.Keys(params.Params)))
	if err := joinErrors(tv.errs); err != nil {
		return nil, err
	}
	var tf templateFile
	if err := decodeBody(body, &tf); err != nil {
		return nil, decodeError(src, idx, err)
	}
	tv.templates(&tf)
	if err := joinErrors(tv.errs); err != nil {
		return nil, err
	}
	t := &templates{source: src, tasks: tf.Tasks, stages: tf.Stages, include: field}
	if inc.Project != "" && !IsCommitSHA(inc.Ref) {
		t.tag = inc.Ref
	}
	return t, nil
}

// params returns the values of the parameters declared of inc (at field):
// its with over the defaults. Unknown and missing parameters are problems.
func (v *validator) params(field string, inc Include, declared map[string]templateParam, src string) (map[string]string, bool) {
	ok := true
	names := slices.Sorted(maps.Keys(declared))
	for _, name := range slices.Sorted(maps.Keys(inc.With)) {
		if _, known := declared[name]; !known {
			v.add(field+".with."+name, "unknown parameter %q: %s declares %s", name, src, listOr(names, "no params"))
			ok = false
		}
	}
	values := map[string]string{}
	for _, name := range names {
		value, set := inc.With[name]
		switch {
		case set:
			values[name] = value
		case declared[name].Default != nil:
			values[name] = *declared[name].Default
		default:
			v.add(field+".with", "parameter %q of %s is required", name, src)
			ok = false
		}
	}
	return values, ok
}

// listOr joins names, or returns none when there are none.
func listOr(names []string, none string) string {
	if len(names) == 0 {
		return none
	}
	return strings.Join(names, ", ")
}

// substitute replaces "${{ with.NAME }}" by the parameter's value in every
// string value of the template file body (whose text is data), outside its
// params. Keys and other scalars are left alone, and a value replaces text
// inside a string node, so a value can never change the structure of the
// file.
func (v *validator) substitute(data []byte, body ast.Node, values map[string]string, declared []string) {
	lines := strings.Split(string(data), "\n")
	added := 0
	// str substitutes in n, a scalar at node at; block is true for a
	// literal block scalar, whose lines are the lines after at's.
	str := func(n *ast.StringNode, at ast.Node, block bool) {
		if n == nil || !strings.Contains(n.Value, "${{") {
			return
		}
		var b strings.Builder
		last := 0
		for _, m := range expression.FindAllStringSubmatchIndex(n.Value, -1) {
			if added > MaxExpandedBytes {
				break
			}
			b.WriteString(n.Value[last:m[0]])
			last = m[1]
			expr := n.Value[m[0]:m[1]]
			name := withParam.FindStringSubmatch(strings.TrimSpace(n.Value[m[2]:m[3]]))
			value, known := "", false
			if name != nil {
				value, known = values[name[1]]
			}
			switch {
			case name == nil:
				v.addIn(lines, at, block, n.Value[:m[0]], "unsupported expression %q: only ${{ with.NAME }} is replaced, by the parameter NAME", expr)
			case !known:
				v.addIn(lines, at, block, n.Value[:m[0]], "unknown parameter %q: the file declares %s", name[1], listOr(declared, "no params"))
			}
			if !known {
				b.WriteString(expr)
				continue
			}
			added += len(value)
			b.WriteString(value)
		}
		b.WriteString(n.Value[last:])
		n.Value = b.String()
	}
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if added > MaxExpandedBytes {
			return
		}
		switch n := n.(type) {
		case *ast.StringNode:
			str(n, n, false)
		case *ast.LiteralNode:
			str(n.Value, n, n.Start != nil && n.Start.Type == token.LiteralType)
		case *ast.AnchorNode:
			walk(n.Value)
		case *ast.TagNode:
			walk(n.Value)
		case *ast.MappingNode:
			for _, mv := range n.Values {
				walk(mv)
			}
		case *ast.MappingValueNode:
			walk(n.Value)
		case *ast.SequenceNode:
			for _, e := range n.Values {
				walk(e)
			}
		}
	}
	for _, mv := range topLevel(body) {
		if mv.Key == nil || mv.Key.GetToken() == nil || mv.Key.GetToken().Value != "params" {
			walk(mv)
		}
	}
	if added > MaxExpandedBytes {
		v.errs = append(v.errs, limitError(v.file, pos{1, 1}, "the text parameters add to the file", added, MaxExpandedBytes, " bytes"))
	}
}

// addIn reports a problem of an expression in the scalar at node at, after
// the text before of the scalar's value: at the expression's line of a
// literal block (block), else at the scalar.
func (v *validator) addIn(lines []string, at ast.Node, block bool, before, format string, args ...any) {
	p, ok := startOfToken(at)
	if !ok {
		p = pos{1, 1}
	}
	field, _ := v.idx.pathAt(p)
	if block {
		p.line += 1 + strings.Count(before, "\n")
		p.col = 1
		if p.line <= len(lines) {
			p.col += len(lines[p.line-1]) - len(strings.TrimLeft(lines[p.line-1], " "))
		}
	}
	v.errs = append(v.errs, &Error{File: v.file, Line: p.line, Column: p.col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// topLevel returns the key: value pairs of a document's body.
func topLevel(body ast.Node) []*ast.MappingValueNode {
	switch n := body.(type) {
	case *ast.AnchorNode:
		return topLevel(n.Value)
	case *ast.TagNode:
		return topLevel(n.Value)
	case *ast.MappingNode:
		return n.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}
	}
	return nil
}

// templates checks the templates of a template file and names its task
// templates after their keys.
func (v *validator) templates(tf *templateFile) {
	if len(tf.Tasks)+len(tf.Stages) == 0 {
		v.add("", "a template file defines tasks or stages")
	}
	for _, key := range slices.Sorted(maps.Keys(tf.Tasks)) {
		field := "tasks." + key
		t := tf.Tasks[key]
		v.templateName(field, key)
		if v.idx.written(field + ".name") {
			v.add(field+".name", "a task template is named by its key; the task that uses it may rename it")
		}
		t.Name = key
		v.templateTask(field, t, map[string]string{}, map[string]string{})
		tf.Tasks[key] = t
	}
	for _, key := range slices.Sorted(maps.Keys(tf.Stages)) {
		field := "stages." + key
		s := tf.Stages[key]
		v.templateName(field, key)
		switch {
		case v.idx.written(field + ".name"):
			v.add(field+".name", "a stage template is named by its key; the stage that uses it may rename it")
		case s.Use != "":
			v.add(field+".use", "a template cannot use another template")
		}
		if len(s.Tasks) == 0 {
			v.add(field+".tasks", "a stage needs at least one task")
		}
		seen, defined := map[string]string{}, map[string]string{}
		for j, t := range s.Tasks {
			v.templateTask(fmt.Sprintf("%s.tasks[%d]", field, j), t, seen, defined)
		}
	}
}

// templateName checks the key of a template, which names what uses it.
func (v *validator) templateName(field, key string) {
	if !namePattern.MatchString(key) {
		v.add(field, "invalid template name %q: %s", key, nameRule)
	}
}

// templateTask checks a task of a template: a task, without use or secrets
// (seen and defined as for validator.task).
func (v *validator) templateTask(field string, t Task, seen, defined map[string]string) {
	if t.Use != "" {
		v.add(field+".use", "a template cannot use another template")
		return
	}
	if len(t.Secrets) > 0 {
		v.add(field+".secrets", "a template cannot name secrets: a task gets the project's secrets only from drover.yaml, listed beside use of a task template")
	}
	v.task(field, t, seen, defined)
}

// expand replaces the stages and tasks of p that use a template by the
// template, from files by include name (nil for an include whose
// parameters were wrong, reported already).
func (v *validator) expand(p *Project, files map[string]*templates) {
	for i := range p.Build.Stages {
		field := fmt.Sprintf("build.stages[%d]", i)
		s := &p.Build.Stages[i]
		if s.Use != "" {
			v.useStage(field, s, files)
			continue
		}
		for j := range s.Tasks {
			if s.Tasks[j].Use != "" {
				v.useTask(fmt.Sprintf("%s.tasks[%d]", field, j), &s.Tasks[j], files)
			}
		}
	}
}

// useStage replaces s, at field, by the stage template it uses.
func (v *validator) useStage(field string, s *Stage, files map[string]*templates) {
	v.onlyBeside(field, reflect.ValueOf(*s), "a stage", []string{"name"})
	t, key, ok := v.lookup(field+".use", s.Use, files, "stage")
	if !ok {
		return
	}
	tmpl, found := t.stages[key]
	if !found {
		v.missingTemplate(field+".use", s.Use, t, "stage")
		return
	}
	from := t.source + "#" + key
	out := tmpl
	out.Name, out.From = cmp.Or(s.Name, key), from
	out.Tasks = slices.Clone(tmpl.Tasks)
	for i := range out.Tasks {
		out.Tasks[i].From = from
	}
	*s = out
}

// IsCommitSHA reports whether ref is a full commit SHA (SHA-1 or SHA-256):
// an include's ref that pins its file, where any other is a tag.
func IsCommitSHA(ref string) bool { return commitPattern.MatchString(ref) }

// useTask replaces t, at field, by the task template it uses with t's
// overrides applied.
func (v *validator) useTask(field string, t *Task, files map[string]*templates) {
	v.onlyBeside(field, reflect.ValueOf(*t), "a task", TaskOverrides)
	f, key, ok := v.lookup(field+".use", t.Use, files, "task")
	if !ok {
		return
	}
	tmpl, found := f.tasks[key]
	if !found {
		v.missingTemplate(field+".use", t.Use, f, "task")
		return
	}
	out := tmpl
	out.Name = cmp.Or(t.Name, key)
	if t.Timeout != 0 {
		out.Timeout = t.Timeout
	}
	if t.Retries != 0 || v.idx.written(field+".retries") {
		out.Retries = t.Retries
	}
	if len(t.RunsOn) > 0 || v.idx.written(field+".runs-on") {
		out.RunsOn = t.RunsOn
	}
	if len(t.Env) > 0 {
		out.Env = maps.Clone(tmpl.Env)
		if out.Env == nil {
			out.Env = map[string]string{}
		}
		maps.Copy(out.Env, t.Env)
	}
	if t.Matrix != nil {
		out.Matrix = t.Matrix
	}
	if len(t.Needs) > 0 {
		// What a task needs depends on the build it is in, not the template.
		out.Needs = t.Needs
	}
	if len(t.Secrets) > 0 && f.tag != "" {
		// The template's commands would run with the secrets, and whoever
		// may push to the other project could change them by moving the tag.
		v.add(field+".secrets", "a task given secrets uses another project's template only at a full commit SHA: "+
			"%s pins %s at tag %q, which that project's pushers can move", f.include, f.source, f.tag)
	}
	out.Secrets = t.Secrets
	out.From = f.source + "#" + key
	*t = out
}

// onlyBeside reports every field of the stage or task value at field,
// other than use and allowed, that is written: it comes from the template.
func (v *validator) onlyBeside(field string, value reflect.Value, what string, allowed []string) {
	t := value.Type()
	for i := range t.NumField() {
		name := yamlName(t.Field(i))
		if name == "" || name == "-" || name == "use" || slices.Contains(allowed, name) {
			continue
		}
		if v.idx.written(field+"."+name) || !value.Field(i).IsZero() {
			v.add(field+"."+name, "%s that uses a template takes %s from the template; beside use it sets only %s",
				what, name, strings.Join(allowed, ", "))
		}
	}
}

// lookup splits use ("include/template", at field) and returns the
// templates of its include. It reports a malformed use or an unknown
// include; an include whose parameters were wrong is not found, silently.
func (v *validator) lookup(field, use string, files map[string]*templates, kind string) (*templates, string, bool) {
	name, key, ok := strings.Cut(use, "/")
	if !ok || name == "" || key == "" {
		example := "go/lint"
		if kind == "stage" {
			example = "go/test"
		}
		v.add(field, "use %q: name an include and one of its %s templates, as in %s", use, kind, example)
		return nil, "", false
	}
	t, ok := files[name]
	if !ok {
		v.add(field, "no include is named %q; the includes are: %s", name, listOr(slices.Sorted(maps.Keys(files)), "none (add it under include)"))
		return nil, "", false
	}
	return t, key, t != nil
}

// missingTemplate reports a use of a template its file does not define.
func (v *validator) missingTemplate(field, use string, t *templates, kind string) {
	stages, tasks := slices.Sorted(maps.Keys(t.stages)), slices.Sorted(maps.Keys(t.tasks))
	_, key, _ := strings.Cut(use, "/")
	hint := ""
	switch {
	case kind == "task" && slices.Contains(stages, key):
		hint = fmt.Sprintf(" (%s is a stage template: use it as a stage)", key)
	case kind == "stage" && slices.Contains(tasks, key):
		hint = fmt.Sprintf(" (%s is a task template: use it as a task of a stage)", key)
	}
	names := tasks
	if kind == "stage" {
		names = stages
	}
	v.add(field, "%s has no %s template %q; its %s templates: %s%s", t.source, kind, key, kind, listOr(names, "none"), hint)
}
