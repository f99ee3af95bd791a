package cfnfake

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// FailType is the resource type whose creation or update fails; its
// Properties.Reason, when set, is the failure's ResourceStatusReason.
const FailType = "Drover::Fake::Fail"

// template is what the fake understands of a CloudFormation template.
type template struct {
	params    map[string]templateParam
	resources []resource // in logical ID order
	outputs   map[string]any
	outNames  []string
}

type templateParam struct {
	def    string
	hasDef bool
}

type resource struct {
	id, typ, reason string
}

// parseTemplate reads a JSON or YAML template, turning the short-form tags
// (!Ref, !Sub, !GetAtt, ...) into their long forms.
func parseTemplate(body string) (*template, *apiError) {
	file, err := parser.ParseBytes([]byte(body), 0)
	if err != nil {
		return nil, validationError("Template format error: %v", err)
	}
	if len(file.Docs) != 1 || file.Docs[0].Body == nil {
		return nil, validationError("Template format error: expected one YAML or JSON document")
	}
	v, err := nodeValue(file.Docs[0].Body)
	if err != nil {
		return nil, validationError("Template format error: %v", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, validationError("Template format error: the template is not a mapping")
	}
	res, ok := doc["Resources"].(map[string]any)
	if !ok || len(res) == 0 {
		return nil, validationError("Template format error: At least one Resources member must be defined.")
	}
	t := &template{params: map[string]templateParam{}, outputs: map[string]any{}}
	if ps, ok := doc["Parameters"].(map[string]any); ok {
		for name, p := range ps {
			tp := templateParam{}
			if m, ok := p.(map[string]any); ok {
				if d, ok := m["Default"]; ok {
					tp.def, tp.hasDef = fmt.Sprint(d), true
				}
			}
			t.params[name] = tp
		}
	}
	for id, r := range res {
		m, _ := r.(map[string]any)
		typ, _ := m["Type"].(string)
		if typ == "" {
			return nil, validationError("Template format error: [/Resources/%s] Every Resources object must contain a Type member.", id)
		}
		rs := resource{id: id, typ: typ}
		if props, ok := m["Properties"].(map[string]any); ok {
			rs.reason, _ = props["Reason"].(string)
		}
		t.resources = append(t.resources, rs)
	}
	sort.Slice(t.resources, func(i, j int) bool { return t.resources[i].id < t.resources[j].id })
	if outs, ok := doc["Outputs"].(map[string]any); ok {
		for name, o := range outs {
			m, _ := o.(map[string]any)
			t.outputs[name] = m["Value"]
			t.outNames = append(t.outNames, name)
		}
		sort.Strings(t.outNames)
	}
	return t, nil
}

// nodeValue converts a YAML node to Go values, short-form tags to long forms.
func nodeValue(n ast.Node) (any, error) {
	switch n := n.(type) {
	case *ast.TagNode:
		tag := n.Start.Value
		v, err := nodeValue(n.Value)
		if err != nil {
			return nil, err
		}
		switch tag {
		case "!Ref":
			return map[string]any{"Ref": v}, nil
		case "!Condition":
			return map[string]any{"Condition": v}, nil
		}
		if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
			return map[string]any{"Fn::" + tag[1:]: v}, nil
		}
		return v, nil
	case *ast.MappingNode:
		m := map[string]any{}
		for _, mv := range n.Values {
			if err := mappingEntry(m, mv); err != nil {
				return nil, err
			}
		}
		return m, nil
	case *ast.MappingValueNode:
		m := map[string]any{}
		return m, mappingEntry(m, n)
	case *ast.SequenceNode:
		s := make([]any, 0, len(n.Values))
		for _, e := range n.Values {
			v, err := nodeValue(e)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case *ast.AnchorNode:
		return nodeValue(n.Value)
	}
	var v any
	if err := yaml.NodeToValue(n, &v); err != nil {
		return nil, err
	}
	return v, nil
}

func mappingEntry(m map[string]any, mv *ast.MappingValueNode) error {
	key := mv.Key.GetToken().Value
	if k, ok := mv.Key.(*ast.MappingKeyNode); ok && k.Value != nil {
		key = k.Value.GetToken().Value
	}
	v, err := nodeValue(mv.Value)
	if err != nil {
		return err
	}
	m[key] = v
	return nil
}

// resolveParams applies the template's defaults to given and checks that
// every parameter is declared and has a value, as CloudFormation does.
func (t *template) resolveParams(given map[string]string) (map[string]string, *apiError) {
	var unknown, missing []string
	out := map[string]string{}
	for name, v := range given {
		if _, ok := t.params[name]; !ok {
			unknown = append(unknown, name)
		}
		out[name] = v
	}
	for name, p := range t.params {
		if _, ok := out[name]; ok {
			continue
		}
		if !p.hasDef {
			missing = append(missing, name)
			continue
		}
		out[name] = p.def
	}
	sort.Strings(unknown)
	sort.Strings(missing)
	if len(unknown) > 0 {
		return nil, validationError("Parameters: [%s] do not exist in the template", strings.Join(unknown, ", "))
	}
	if len(missing) > 0 {
		return nil, validationError("Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	return out, nil
}

var subVar = regexp.MustCompile(`\$\{([^}]+)\}`)

// value renders an output value: a string, {"Ref": name} or {"Fn::Sub":
// string} against params and physical IDs; anything else is printed.
func value(v any, refs map[string]string) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if r, ok := v["Ref"].(string); ok {
			return refs[r]
		}
		if s, ok := v["Fn::Sub"].(string); ok {
			return subVar.ReplaceAllStringFunc(s, func(m string) string { return refs[m[2:len(m)-1]] })
		}
	}
	return fmt.Sprint(v)
}
