package pipeline

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

// promotionTypes checks the named promotion types of p.
func (v *validator) promotionTypes(p Promotion) {
	for _, name := range slices.Sorted(maps.Keys(p.Types)) {
		t := p.Types[name]
		field := "promotion.types." + name
		v.name(field, name)
		if t.Approval == nil && t.Window == nil && len(t.Verify) == 0 && t.Soak == 0 && !v.idx.isSet(field+".soak") {
			v.add(field, "a promotion type sets at least one of approval, window, verify or soak")
		}
		if t.Approval != nil {
			v.approval(field+".approval", *t.Approval)
		}
		if t.Window != nil {
			v.window(field+".window", *t.Window)
		}
		for j, c := range t.Verify {
			v.verify(fmt.Sprintf("%s.verify[%d]", field, j), c)
		}
		v.timeout(field+".soak", t.Soak, 0)
	}
}

// uses checks the promotion types environment e (at field) uses: each is
// defined, used once, and approval, window and soak each come from one
// source only, the environment itself or one of its types.
func (v *validator) uses(field string, e Environment, types map[string]PromotionType) {
	source := map[string]string{}
	if e.Approval != nil {
		source["approval"] = "the environment"
	}
	if e.Window != nil {
		source["window"] = "the environment"
	}
	if e.Soak != 0 {
		source["soak"] = "the environment"
	}
	seen := map[string]string{}
	for j, name := range e.Uses {
		f := fmt.Sprintf("%s.uses[%d]", field, j)
		if _, dup := seen[name]; dup {
			v.unique(seen, f, "promotion type", name)
			continue
		}
		seen[name] = f
		t, ok := types[name]
		if !ok {
			defined := "none are defined under promotion.types"
			if len(types) > 0 {
				defined = "defined types: " + strings.Join(slices.Sorted(maps.Keys(types)), ", ")
			}
			v.add(f, "unknown promotion type %q; %s", name, defined)
			continue
		}
		for _, rule := range []struct {
			name string
			set  bool
		}{{"approval", t.Approval != nil}, {"window", t.Window != nil}, {"soak", t.Soak != 0}} {
			if !rule.set {
				continue
			}
			if first, ok := source[rule.name]; ok {
				v.add(f, "promotion type %q sets %s, which %s sets already: an environment takes its %s from one source",
					name, rule.name, first, rule.name)
				continue
			}
			source[rule.name] = fmt.Sprintf("promotion type %q", name)
		}
	}
}

// resolvePromotionTypes merges into each environment of p (valid) the
// promotion types it uses: their approval, window and soak, and their
// checks, marked with From, before the environment's own. Each environment
// gets its own copy of a type. A promotion that would grow over
// MaxPlanBytes is refused before it is built.
func resolvePromotionTypes(file string, p *Promotion) *Error {
	if p == nil || len(p.Types) == 0 {
		return nil
	}
	encoded := make(map[string][]byte, len(p.Types))
	for name, t := range p.Types {
		b, err := json.Marshal(t)
		if err != nil {
			return &Error{File: file, Line: 1, Column: 1, Msg: "the promotion types cannot be encoded: " + err.Error()}
		}
		encoded[name] = b
	}
	total := 0
	for _, e := range p.Environments {
		for _, name := range e.Uses {
			total += len(encoded[name])
		}
	}
	if total > MaxPlanBytes {
		return limitError(file, pos{1, 1}, "the promotion types merged into the environments that use them, encoded as JSON",
			total, MaxPlanBytes, " bytes")
	}
	for i := range p.Environments {
		e := &p.Environments[i]
		var checks []Verify
		for _, name := range e.Uses {
			var t PromotionType
			if err := json.Unmarshal(encoded[name], &t); err != nil {
				return &Error{File: file, Line: 1, Column: 1, Msg: "the promotion types cannot be decoded: " + err.Error()}
			}
			if t.Approval != nil {
				e.Approval, t.Approval.From = t.Approval, name
			}
			if t.Window != nil {
				e.Window, t.Window.From = t.Window, name
			}
			if t.Soak != 0 {
				e.Soak = t.Soak
			}
			for _, c := range t.Verify {
				c.From = name
				checks = append(checks, c)
			}
		}
		if len(checks) > 0 {
			e.Verify = append(checks, e.Verify...)
		}
	}
	return nil
}

// pipelines checks the named pipelines of p: each lists known environments,
// once each, in the order of promotion.environments.
func (v *validator) pipelines(p Promotion) {
	for _, name := range slices.Sorted(maps.Keys(p.Pipelines)) {
		field := "promotion.pipelines." + name
		v.name(field, name)
		envs := p.Pipelines[name]
		if len(envs) == 0 {
			v.add(field, "a pipeline lists at least one environment")
		}
		last := -1
		seen := map[string]string{}
		for j, env := range envs {
			f := fmt.Sprintf("%s[%d]", field, j)
			if _, dup := seen[env]; dup {
				v.unique(seen, f, "environment", env)
				continue
			}
			seen[env] = f
			at := slices.IndexFunc(p.Environments, func(e Environment) bool { return e.Name == env })
			switch {
			case at < 0:
				v.add(f, "unknown environment %q", env)
			case at < last:
				v.add(f, "environment %q comes before %q in promotion.environments: a pipeline lists them in that order",
					env, p.Environments[last].Name)
			default:
				last = at
			}
		}
	}
}

// artifactNamePattern is for the artifacts a version declares: names the
// API accepts for an artifact and that make a file name.
var artifactNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$`)

// pipelineChoice checks default_pipeline and branch_pipelines, which name
// pipelines of p, and the declared artifacts, names used once each.
func (v *validator) pipelineChoice(p Promotion) {
	known := func(field, name string) {
		if _, ok := p.Pipelines[name]; !ok {
			defined := "none are defined under promotion.pipelines"
			if len(p.Pipelines) > 0 {
				defined = "defined pipelines: " + strings.Join(slices.Sorted(maps.Keys(p.Pipelines)), ", ")
			}
			v.add(field, "unknown pipeline %q; %s", name, defined)
		}
	}
	if p.DefaultPipeline != "" {
		known("promotion.default_pipeline", p.DefaultPipeline)
	}
	for i, bp := range p.BranchPipelines {
		field := fmt.Sprintf("promotion.branch_pipelines[%d]", i)
		if len(bp.Branches) == 0 {
			v.add(field+".branches", "required: the branches (patterns) whose versions follow the pipeline")
		}
		for j, b := range bp.Branches {
			if _, err := path.Match(b, ""); b == "" || err != nil {
				v.add(fmt.Sprintf("%s.branches[%d]", field, j), "invalid branch pattern %q", b)
			}
		}
		if bp.Pipeline == "" {
			v.add(field+".pipeline", "required")
		} else {
			known(field+".pipeline", bp.Pipeline)
		}
	}
	seen := map[string]string{}
	for i, name := range p.Artifacts {
		field := fmt.Sprintf("promotion.artifacts[%d]", i)
		if !artifactNamePattern.MatchString(name) {
			v.add(field, "invalid artifact name %q: use letters, digits, '.', '_', '+' or '-', starting with a letter or digit", name)
		}
		v.unique(seen, field, "artifact", name)
	}
}
