package pipeline

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// unknownFields returns an *Error for every key of the document that names
// no field of Project, in document order, each listing the fields allowed
// there. The decoder refuses unknown fields too, but reports only one, not
// always the same one.
func unknownFields(file string, body ast.Node, idx *fieldIndex) []*Error {
	return unknownFieldsOf(file, body, idx, reflect.TypeFor[Project]())
}

// unknownFieldsOf is unknownFields for a document that decodes into root.
func unknownFieldsOf(file string, body ast.Node, idx *fieldIndex, root reflect.Type) []*Error {
	var errs []*Error
	var walk func(n ast.Node, t reflect.Type, path string)
	walk = func(n ast.Node, t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == reflect.TypeFor[Duration]() {
			return
		}
		switch n := n.(type) {
		case *ast.AnchorNode:
			walk(n.Value, t, path)
		case *ast.TagNode:
			walk(n.Value, t, path)
		case *ast.MappingValueNode:
			walk(&ast.MappingNode{Values: []*ast.MappingValueNode{n}}, t, path)
		case *ast.MappingNode:
			if t.Kind() == reflect.Map {
				for _, mv := range n.Values {
					if mv != nil && mv.Key != nil && !mv.Key.IsMergeKey() && mv.Key.GetToken() != nil {
						walk(mv.Value, t.Elem(), strings.TrimPrefix(path+"."+mv.Key.GetToken().Value, "."))
					}
				}
				return
			}
			if t.Kind() != reflect.Struct {
				return
			}
			for _, mv := range n.Values {
				if mv == nil || mv.Key == nil || mv.Key.IsMergeKey() || mv.Key.GetToken() == nil {
					continue
				}
				key := mv.Key.GetToken().Value
				p := strings.TrimPrefix(path+"."+key, ".")
				f, ok := fieldByTag(t, key)
				if !ok {
					at := idx.lookup(p)
					errs = append(errs, &Error{File: file, Line: at.line, Column: at.col, Field: p,
						Msg: fmt.Sprintf("unknown field %q; known fields: %s", key, strings.Join(yamlFields(t), ", "))})
					continue
				}
				walk(mv.Value, f.Type, p)
			}
		case *ast.SequenceNode:
			if t.Kind() != reflect.Slice {
				return
			}
			for i, v := range n.Values {
				walk(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(body, root, "")
	return errs
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); yamlName(f) == key && key != "-" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}
