package pipeline

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Input is a parameter of a build started by hand (drover.yaml inputs:),
// as GitHub Actions' workflow_dispatch inputs:
//
//	inputs:
//	  - {name: target, type: choice, options: [staging, canary], default: staging}
//	  - {name: verbose, type: bool}
//	  - {name: note, description: Why this build, required: true}
//
// Every task sees each input as the environment variable INPUT_<NAME>
// (upper-cased, '-' as '_'). Inputs are not secrets, and Drover never
// writes one into a script.
type Input struct {
	Name string `yaml:"name" json:"name"`
	// Type is InputString (the default), InputBool or InputChoice.
	Type string `yaml:"type" json:"type,omitempty"`
	// Options are the values of a choice input.
	Options []Scalar `yaml:"options" json:"options,omitempty"`
	// Default is the value when none is given; nil means "", false or the
	// first option.
	Default     *Scalar `yaml:"default" json:"default,omitempty"`
	Required    bool    `yaml:"required" json:"required,omitempty"`
	Description string  `yaml:"description" json:"description,omitempty"`
}

// Types of an Input.
const (
	InputString = "string"
	InputBool   = "bool"
	InputChoice = "choice"
)

// Limits of inputs.
const (
	// MaxInputs is the most inputs a project may declare.
	MaxInputs = 50
	// MaxInputValueBytes is the longest value of an input, in bytes.
	MaxInputValueBytes = 4096
)

// inputNamePattern is the name of an input: it becomes INPUT_<NAME>.
var inputNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,62}$`)

// InputEnvName is the environment variable that holds the value of the
// input named name: INPUT_ and the name upper-cased, '-' as '_'.
func InputEnvName(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// InputError is a value given for an input that the project's declaration
// refuses: an unknown input, a wrong type, a choice not in its options, a
// missing required input.
type InputError struct {
	Input string
	Msg   string
}

// Error names the input and the problem.
func (e *InputError) Error() string { return fmt.Sprintf("input %s: %s", e.Input, e.Msg) }

// ResolveInputs checks the values given for p's inputs and returns the value
// of every declared input, sorted by name: the given one, else the default,
// else "" (string), "false" (bool) or the first option (choice). A bool is
// given as true or false in any case. The first problem is an *InputError.
func (p *Project) ResolveInputs(given map[string]string) ([]EnvVar, error) {
	for _, name := range slices.Sorted(maps.Keys(given)) {
		if !slices.ContainsFunc(p.Inputs, func(in Input) bool { return in.Name == name }) {
			known := make([]string, len(p.Inputs))
			for i, in := range p.Inputs {
				known[i] = in.Name
			}
			if len(known) == 0 {
				return nil, &InputError{Input: name, Msg: "unknown input: the project declares no inputs"}
			}
			return nil, &InputError{Input: name, Msg: "unknown input; the project declares " + strings.Join(known, ", ")}
		}
	}
	values := make([]EnvVar, 0, len(p.Inputs))
	for _, in := range p.Inputs {
		value, ok := given[in.Name]
		if !ok {
			if in.Required && in.Default == nil {
				return nil, &InputError{Input: in.Name, Msg: "required"}
			}
			value = in.defaultValue()
		}
		v, err := in.check(value)
		if err != nil {
			return nil, &InputError{Input: in.Name, Msg: err.Error()}
		}
		values = append(values, EnvVar{Name: in.Name, Value: v})
	}
	slices.SortFunc(values, func(a, b EnvVar) int { return cmp.Compare(a.Name, b.Name) })
	return values, nil
}

// defaultValue is the value of in when none is given.
func (in Input) defaultValue() string {
	switch {
	case in.Default != nil && in.Type == InputBool:
		return strings.ToLower(string(*in.Default))
	case in.Default != nil:
		return string(*in.Default)
	case in.Type == InputBool:
		return "false"
	case in.Type == InputChoice && len(in.Options) > 0:
		return string(in.Options[0])
	}
	return ""
}

// check returns value in its canonical form, or why in refuses it.
func (in Input) check(value string) (string, error) {
	switch {
	case len(value) > MaxInputValueBytes:
		return "", fmt.Errorf("the value is %d bytes, over the limit of %d bytes", len(value), MaxInputValueBytes)
	case !utf8.ValidString(value) || strings.ContainsRune(value, 0):
		return "", fmt.Errorf("the value must be UTF-8 text without NUL")
	}
	switch in.Type {
	case InputBool:
		switch strings.ToLower(value) {
		case "true", "false":
			return strings.ToLower(value), nil
		}
		return "", fmt.Errorf("must be true or false, not %q", value)
	case InputChoice:
		if !slices.Contains(in.Options, Scalar(value)) {
			opts := make([]string, len(in.Options))
			for i, o := range in.Options {
				opts[i] = string(o)
			}
			return "", fmt.Errorf("%q is not one of its options: %s", value, strings.Join(opts, ", "))
		}
	}
	return value, nil
}

// InputsKey identifies a build's input values among the builds of its
// commit: empty when every value is the default (the build of a push), else
// the first 12 hex digits of the SHA-256 of the values, sorted by name.
func (p *Project) InputsKey(values []EnvVar) string {
	defaults, err := p.ResolveInputs(nil)
	if err == nil && slices.Equal(defaults, values) {
		return ""
	}
	h := sha256.New()
	for _, v := range values {
		// Lengths first, so that no two lists of values hash alike.
		fmt.Fprintf(h, "%d:%s=%d:%s\n", len(v.Name), v.Name, len(v.Value), v.Value)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// NewPlanWithInputs is NewPlan for a build given input values: it checks
// them (an *InputError), gives every task their INPUT_<NAME> variables and
// keeps them, with their InputsKey, in the plan.
func NewPlanWithInputs(p *Project, given map[string]string) (Plan, error) {
	values, err := p.ResolveInputs(given)
	if err != nil {
		return Plan{}, err
	}
	plan := newPlan(p)
	plan.setInputs(values, p.InputsKey(values))
	// Every task gets every value: long values in many tasks could make a
	// plan over what a workflow's input may hold.
	if b, err := json.Marshal(plan); err != nil || len(b) > MaxPlanBytes {
		longest := slices.MaxFunc(values, func(a, b EnvVar) int { return cmp.Compare(len(a.Value), len(b.Value)) })
		return Plan{}, &InputError{Input: longest.Name, Msg: fmt.Sprintf(
			"the values, given to each of the %d tasks, make a plan over the limit of %d bytes", plan.TaskCount(), MaxPlanBytes)}
	}
	return plan, nil
}

// setInputs records values in p and the env of its tasks.
func (p *Plan) setInputs(values []EnvVar, key string) {
	if len(values) == 0 {
		return
	}
	p.Inputs, p.InputsKey = values, key
	for si := range p.Stages {
		for ti := range p.Stages[si].Tasks {
			t := &p.Stages[si].Tasks[ti]
			for _, v := range values {
				t.Env = append(t.Env, EnvVar{Name: InputEnvName(v.Name), Value: v.Value})
			}
			slices.SortFunc(t.Env, func(a, b EnvVar) int { return cmp.Compare(a.Name, b.Name) })
		}
	}
}

// inputs checks the declaration of a project's inputs.
func (v *validator) inputs(p *Project) {
	if len(p.Inputs) > MaxInputs {
		v.add("inputs", "the number of inputs is %d, over the limit of %d", len(p.Inputs), MaxInputs)
		return
	}
	names, envs := map[string]string{}, map[string]string{}
	for i, in := range p.Inputs {
		field := fmt.Sprintf("inputs[%d]", i)
		switch {
		case in.Name == "":
			v.add(field+".name", "required")
		case !inputNamePattern.MatchString(in.Name):
			v.add(field+".name", "invalid input name %q: use up to 63 letters, digits, '-' or '_', not starting with a digit or '-'", in.Name)
		default:
			v.unique(names, field+".name", "input name", in.Name)
			if first, dup := envs[InputEnvName(in.Name)]; dup && first != in.Name {
				v.add(field+".name", "input %q sets %s, as input %q does", in.Name, InputEnvName(in.Name), first)
			}
			envs[InputEnvName(in.Name)] = in.Name
		}
		switch in.Type {
		case "", InputString, InputBool:
			if len(in.Options) > 0 {
				v.add(field+".options", "only a choice input has options")
			}
		case InputChoice:
			if len(in.Options) == 0 {
				v.add(field+".options", "a choice input needs at least one option")
			}
			seen := map[string]string{}
			for j, o := range in.Options {
				v.unique(seen, fmt.Sprintf("%s.options[%d]", field, j), "option", string(o))
			}
		default:
			v.add(field+".type", "must be %s, %s or %s", InputString, InputBool, InputChoice)
		}
		if in.Default != nil {
			if _, err := in.check(string(*in.Default)); err != nil {
				v.add(field+".default", "%s", err.Error())
			}
		}
	}
	// A task's own variables may not shadow an input's.
	for si, s := range p.Build.Stages {
		for ti, t := range s.Tasks {
			field := fmt.Sprintf("build.stages[%d].tasks[%d]", si, ti)
			for _, name := range slices.Sorted(maps.Keys(t.Env)) {
				if in, ok := envs[name]; ok {
					v.add(field+".env."+name, "input %q sets %s", in, name)
				}
			}
			for j, r := range t.Secrets {
				if in, ok := envs[r.Name]; ok && r.As != SecretAsFile {
					v.add(fmt.Sprintf("%s.secrets[%d].name", field, j), "input %q sets %s", in, r.Name)
				}
			}
		}
	}
}
