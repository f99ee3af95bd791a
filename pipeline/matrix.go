package pipeline

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Matrix runs one task once per combination of values, as GitHub Actions'
// strategy.matrix does:
//
//	matrix:
//	  axes: {go: ["1.22", "1.23"], os: [linux, arm]}
//	  exclude: [{go: "1.22", os: arm}]
//	  include: [{go: "1.24", os: linux}]
//
// The combinations are the product of the axes, in the order they are
// written (the first axis varies slowest), without those that match every
// key of an exclude entry. Each include entry then adds its keys that are
// not axes to every combination whose axis values it matches, or, when it
// matches none, is a combination of its own.
type Matrix struct {
	Axes    MatrixAxes          `yaml:"axes" json:"axes"`
	Exclude []MatrixCombination `yaml:"exclude" json:"exclude,omitempty"`
	Include []MatrixCombination `yaml:"include" json:"include,omitempty"`
}

// MatrixAxes are the axes of a Matrix in the order they are written.
type MatrixAxes []MatrixAxis

// MatrixAxis is one axis of a Matrix: a name and its values.
type MatrixAxis struct {
	Name   string   `json:"name"`
	Values []Scalar `json:"values"`
}

// MatrixCombination is one entry of a Matrix's exclude or include: values by key.
type MatrixCombination map[string]Scalar

// Scalar is a string, number or boolean of drover.yaml kept as it is written:
// 1.20 stays "1.20", not the number 1.2.
type Scalar string

// Limits of a matrix, checked before it is expanded.
const (
	// MaxMatrixCombinations is the most tasks one matrix may expand to.
	MaxMatrixCombinations = 64
	// MaxMatrixProduct is the most combinations of a matrix's axes before
	// exclude removes some.
	MaxMatrixProduct = 1024
)

var (
	// matrixKeyPattern is an axis name or an include key: it becomes the
	// environment variable MATRIX_<KEY>, upper-cased with '-' as '_'.
	matrixKeyPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,62}$`)
	// matrixValuePattern is a value of an axis: it becomes part of a task name.
	matrixValuePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// UnmarshalYAML reads the axes in the order they are written.
func (a *MatrixAxes) UnmarshalYAML(unmarshal func(any) error) error {
	var values map[string][]Scalar
	if err := unmarshal(&values); err != nil {
		return err
	}
	var order yaml.MapSlice
	if err := unmarshal(&order); err != nil {
		return err
	}
	axes := make(MatrixAxes, 0, len(order))
	for _, item := range order {
		name := fmt.Sprint(item.Key)
		if slices.ContainsFunc(axes, func(x MatrixAxis) bool { return x.Name == name }) {
			continue // a key merged in with "<<" and overridden
		}
		axes = append(axes, MatrixAxis{Name: name, Values: values[name]})
	}
	*a = axes
	return nil
}

// UnmarshalYAML reads a string, number or boolean as it is written.
func (v *Scalar) UnmarshalYAML(node ast.Node) error {
	switch n := node.(type) {
	case *ast.StringNode:
		*v = Scalar(n.Value)
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		*v = Scalar(n.GetToken().Value)
	default:
		return &nodeError{node: node, msg: fmt.Sprintf("must be a string, number or boolean, not a %s", node.Type().YAMLName())}
	}
	return nil
}

// matrixLabelPattern is a runs-on label taken from the matrix:
// ${{ matrix.os }} is the combination's value of os.
var matrixLabelPattern = regexp.MustCompile(`^\$\{\{\s*matrix\.([A-Za-z][A-Za-z0-9_-]*)\s*\}\}$`)

// matrixLabel returns the matrix key of a runs-on label ${{ matrix.KEY }}.
func matrixLabel(label string) (string, bool) {
	m := matrixLabelPattern.FindStringSubmatch(label)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// matrixLabel checks the runs-on label ${{ matrix.key }} at field of t:
// every combination of t's matrix sets key to a valid label.
func (v *validator) matrixLabel(field string, t Task, key string) {
	if t.Matrix == nil {
		v.add(field, "the task has no matrix to take the label from")
		return
	}
	if t.Matrix.product() > MaxMatrixProduct {
		return // reported with the matrix
	}
	for _, c := range t.Matrix.expand(t.Name) {
		i := slices.IndexFunc(c.values, func(e EnvVar) bool { return e.Name == key })
		switch {
		case i < 0:
			v.add(field, "the combination %s sets no %s", c.describe(), key)
			return
		case !labelPattern.MatchString(c.values[i].Value):
			v.add(field, "the combination %s makes the label %q: use lowercase letters, digits, '-', '_' or '.', starting with a letter or digit", c.describe(), c.values[i].Value)
			return
		}
	}
}

// MatrixEnvName is the environment variable that holds the value of a
// matrix axis or include key: MATRIX_ and the key upper-cased, '-' as '_'.
func MatrixEnvName(key string) string {
	return "MATRIX_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// matrixTask is one combination of a matrix: the name of its task and its
// values, axes first in axis order, then the keys include added, sorted.
type matrixTask struct {
	name   string
	values []EnvVar // Name is the matrix key, not the variable
}

// describe writes the values of c as "go=1.22, os=linux".
func (c matrixTask) describe() string {
	parts := make([]string, len(c.values))
	for i, v := range c.values {
		parts[i] = v.Name + "=" + v.Value
	}
	return strings.Join(parts, ", ")
}

// product is the number of combinations of the axes, at most
// MaxMatrixProduct+1.
func (m *Matrix) product() int {
	n := 1
	for _, a := range m.Axes {
		n = min(n*len(a.Values), MaxMatrixProduct+1)
	}
	return n
}

// expand returns the combinations of m for the task named task. Call it
// only when m.product() is within MaxMatrixProduct.
func (m *Matrix) expand(task string) []matrixTask {
	axes := make([]string, len(m.Axes))
	isAxis := map[string]bool{}
	for i, a := range m.Axes {
		axes[i] = a.Name
		isAxis[a.Name] = true
	}
	type combo struct {
		axis  map[string]string // the values of axes
		extra map[string]string // the values include added
	}
	var combos []combo
	if len(m.Axes) > 0 {
		idx := make([]int, len(m.Axes))
		for {
			c := combo{axis: map[string]string{}, extra: map[string]string{}}
			for i, a := range m.Axes {
				if len(a.Values) == 0 {
					return nil
				}
				c.axis[a.Name] = string(a.Values[idx[i]])
			}
			if !slices.ContainsFunc(m.Exclude, func(e MatrixCombination) bool { return matches(c.axis, e, nil) }) {
				combos = append(combos, c)
			}
			i := len(idx) - 1
			for ; i >= 0; i-- {
				if idx[i]++; idx[i] < len(m.Axes[i].Values) {
					break
				}
				idx[i] = 0
			}
			if i < 0 {
				break
			}
		}
	}
	original := len(combos)
	for _, inc := range m.Include {
		added := false
		for i := range combos[:original] {
			if !matches(combos[i].axis, inc, isAxis) {
				continue
			}
			for k, v := range inc {
				if !isAxis[k] {
					combos[i].extra[k] = string(v)
				}
			}
			added = true
		}
		if added {
			continue
		}
		c := combo{axis: map[string]string{}, extra: map[string]string{}}
		for k, v := range inc {
			if isAxis[k] {
				c.axis[k] = string(v)
			} else {
				c.extra[k] = string(v)
			}
		}
		combos = append(combos, c)
	}
	out := make([]matrixTask, 0, len(combos))
	for _, c := range combos {
		mt := matrixTask{name: task}
		for _, a := range axes {
			if v, ok := c.axis[a]; ok {
				mt.name += "-" + strings.ToLower(v)
				mt.values = append(mt.values, EnvVar{Name: a, Value: v})
			}
		}
		for _, k := range slices.Sorted(maps.Keys(c.extra)) {
			mt.values = append(mt.values, EnvVar{Name: k, Value: c.extra[k]})
		}
		out = append(out, mt)
	}
	return out
}

// matches reports whether the axis values of a combination agree with
// entry on every key they share. With isAxis nil every key of entry must be
// there (exclude); otherwise keys that are not axes are ignored (include).
func matches(axis map[string]string, entry MatrixCombination, isAxis map[string]bool) bool {
	for k, v := range entry {
		if isAxis != nil && !isAxis[k] {
			continue
		}
		if got, ok := axis[k]; !ok || got != string(v) {
			return false
		}
	}
	return true
}

// tasks returns the number of tasks t expands to: 1 without a matrix, or
// with one over its own limits (which the matrix's check reports).
func (t Task) tasks() int {
	if t.Matrix == nil || t.Matrix.product() > MaxMatrixProduct {
		return 1
	}
	if n := len(t.Matrix.expand(t.Name)); n > 0 && n <= MaxMatrixCombinations {
		return n
	}
	return 1
}

// matrix checks the matrix of the task at field and returns its
// combinations, or nil when it has problems that stop it expanding.
func (v *validator) matrix(field string, t Task) []matrixTask {
	m := t.Matrix
	field += ".matrix"
	if len(m.Axes) == 0 {
		v.add(field+".axes", "at least one axis is required")
		return nil
	}
	ok := true
	isAxis := map[string]bool{}
	envs := map[string]string{}
	key := func(f, k string) bool {
		if !matrixKeyPattern.MatchString(k) {
			v.add(f, "invalid matrix key %q: use up to 63 letters, digits, '-' or '_', starting with a letter", k)
			return false
		}
		if _, ok := t.Env[MatrixEnvName(k)]; ok {
			v.add(f, "the matrix sets %s, which env sets too", MatrixEnvName(k))
			return false
		}
		for _, s := range t.Secrets {
			if s.Name == MatrixEnvName(k) && s.As != SecretAsFile {
				v.add(f, "the matrix sets %s, which is the name of a secret of the task", MatrixEnvName(k))
				return false
			}
		}
		return true
	}
	for _, a := range m.Axes {
		af := field + ".axes." + a.Name
		if !key(af, a.Name) {
			ok = false
		} else if first, dup := envs[MatrixEnvName(a.Name)]; dup {
			v.add(af, "axis %q sets %s, as axis %q does", a.Name, MatrixEnvName(a.Name), first)
			ok = false
		}
		envs[MatrixEnvName(a.Name)] = a.Name
		isAxis[a.Name] = true
		if len(a.Values) == 0 {
			v.add(af, "an axis needs at least one value")
			ok = false
		}
		seen := map[string]string{}
		for i, val := range a.Values {
			vf := fmt.Sprintf("%s[%d]", af, i)
			if !v.matrixValue(vf, string(val)) {
				ok = false
			}
			if first, dup := seen[strings.ToLower(string(val))]; dup {
				v.add(vf, "duplicate value %q of axis %q, first at %s", val, a.Name, first)
				ok = false
			}
			seen[strings.ToLower(string(val))] = vf
		}
	}
	for i, e := range m.Exclude {
		ef := fmt.Sprintf("%s.exclude[%d]", field, i)
		if len(e) == 0 {
			v.add(ef, "an exclude entry needs at least one axis")
			ok = false
		}
		for _, k := range slices.Sorted(maps.Keys(e)) {
			if !isAxis[k] {
				v.add(ef+"."+k, "%q is not an axis of the matrix; exclude names axes only", k)
				ok = false
				continue
			}
			if !slices.Contains(m.axis(k).Values, e[k]) {
				v.add(ef+"."+k, "%q is not a value of axis %q", e[k], k)
				ok = false
			}
		}
	}
	for i, e := range m.Include {
		inf := fmt.Sprintf("%s.include[%d]", field, i)
		if len(e) == 0 {
			v.add(inf, "an include entry needs at least one key")
			ok = false
		}
		for _, k := range slices.Sorted(maps.Keys(e)) {
			kf := inf + "." + k
			switch {
			case isAxis[k]:
				if !v.matrixValue(kf, string(e[k])) {
					ok = false
				}
			case !key(kf, k):
				ok = false
			default:
				if first, dup := envs[MatrixEnvName(k)]; dup && first != k {
					v.add(kf, "key %q sets %s, as %q does", k, MatrixEnvName(k), first)
					ok = false
				}
			}
		}
	}
	if !ok {
		return nil
	}
	if m.product() > MaxMatrixProduct {
		v.add(field+".axes", "the axes make more than %d combinations, the limit", MaxMatrixProduct)
		return nil
	}
	combos := m.expand(t.Name)
	switch n := len(combos); {
	case n == 0:
		v.add(field+".exclude", "exclude removes every combination of the matrix")
		return nil
	case n > MaxMatrixCombinations:
		v.add(field, "the matrix makes %d tasks, over the limit of %d", n, MaxMatrixCombinations)
		return nil
	}
	return combos
}

// matrixValue checks a value that becomes part of a task name.
func (v *validator) matrixValue(field, value string) bool {
	if !matrixValuePattern.MatchString(value) {
		v.add(field, "invalid matrix value %q: it becomes part of the task name; use letters, digits, '-', '_' or '.', starting with a letter or digit", value)
		return false
	}
	return true
}

func (m *Matrix) axis(name string) MatrixAxis {
	for _, a := range m.Axes {
		if a.Name == name {
			return a
		}
	}
	return MatrixAxis{}
}
