package pipeline

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// decodeMessage rewrites a decoder error in terms of drover.yaml rather
// than Go types.
func decodeMessage(e yaml.Error) string {
	switch e := e.(type) {
	case *yaml.TypeError:
		got := ""
		if tk := e.GetToken(); tk != nil {
			got = fmt.Sprintf(", got %q", tk.Value)
		}
		return "must be " + describeType(e.DstType) + got
	case *yaml.UnexpectedNodeTypeError:
		return fmt.Sprintf("must be a %s, not a %s", e.Expected.YAMLName(), e.Actual.YAMLName())
	case *yaml.OverflowError:
		return fmt.Sprintf("number %s is out of range", e.SrcNum)
	}
	return e.GetMessage()
}

// describeType names the kind of YAML value that decodes into t.
func describeType(t reflect.Type) string {
	if t == nil {
		return "a different kind of value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "a different kind of value"
}

// syntaxError turns a YAML parser error into an *Error. The field is a best
// effort: the path of the last field written before the error, found by
// parsing again without the duplicate key check, or only the text before it.
func syntaxError(file string, data []byte, err error) *Error {
	out := &Error{File: file, Line: 1, Column: 1}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		out.Msg = err.Error()
		return out
	}
	out.Msg = ye.GetMessage()
	at, ok := tokenPos(ye.GetToken())
	if !ok {
		return out
	}
	out.Line, out.Column = at.line, at.col
	if f, err := parseYAML(data, parser.AllowDuplicateMapKey()); err == nil {
		if body, err := singleBody(file, f); err == nil {
			out.Field, _ = newFieldIndex(body).pathAt(at)
			return out
		}
	}
	if f, err := parseYAML(textBefore(data, at)); err == nil {
		if body, err := singleBody(file, f); err == nil {
			out.Field, _ = newFieldIndex(body).pathAt(at)
		}
	}
	return out
}

// textBefore returns the part of data before line and column at.
func textBefore(data []byte, at pos) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	if at.line > len(lines) {
		return data
	}
	var b strings.Builder
	for _, l := range lines[:at.line-1] {
		b.WriteString(l)
	}
	last := []rune(lines[at.line-1])
	b.WriteString(string(last[:min(at.col-1, len(last))]))
	return []byte(b.String())
}
