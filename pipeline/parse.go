package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// LoadFile reads and parses the definition at path. Problems in the
// definition are reported as by Parse, naming the file by its base name;
// a file that cannot be read gives a plain wrapped error.
func LoadFile(path string) (*Project, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read project definition: %w", err)
	}
	return Parse(filepath.Base(path), data)
}

// Parse decodes and validates a drover.yaml; file names it in errors. A
// definition over one of the limits (MaxDefinitionBytes, MaxDepth, MaxNodes,
// MaxStages, MaxTasks, MaxPlanBytes) is refused before the work it bounds.
//
// Decoding is strict: unknown fields, duplicate keys and values of the wrong
// type are errors. Every error is a *Error or, when several problems are
// found, an Errors sorted by position (see AllErrors). A syntax or type error
// stops at the first one; unknown fields, and then validation problems, are
// all reported together.
//
// A definition that includes template files is refused: only the server,
// which reads them, resolves includes (see ParseIncluding).
func Parse(file string, data []byte) (*Project, error) {
	return ParseIncluding(file, data, nil)
}

// ParseIncluding is Parse for a definition whose include entries fetch
// reads: their templates replace the stages and tasks that use them before
// the definition is validated (see Include). A nil fetch refuses includes.
func ParseIncluding(file string, data []byte, fetch Fetch) (*Project, error) {
	if err := checkTokens(file, data); err != nil {
		return nil, err
	}
	f, err := parseYAML(data)
	if err != nil {
		return nil, syntaxError(file, data, err)
	}
	body, err := singleBody(file, f)
	if err != nil {
		return nil, err
	}
	if err := checkTree(file, body); err != nil {
		return nil, err
	}
	idx := newFieldIndex(body)
	if errs := unknownFields(file, body, idx); len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	mergeKeysFirst(body)
	var p Project
	if err := decodeBody(body, &p); err != nil {
		return nil, decodeError(file, idx, err)
	}
	if err := expandIncludes(file, &p, idx, fetch); err != nil {
		return nil, err
	}
	if err := validate(file, &p, idx); err != nil {
		return nil, err
	}
	if err := resolvePromotionTypes(file, p.Promotion); err != nil {
		return nil, err
	}
	if err := checkEncoded(file, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// errDecoderPanic stands for a panic of the YAML parser or decoder, which a
// few malformed documents cause; it must not take the caller down.
var errDecoderPanic = errors.New("unsupported YAML construct: the decoder failed on this document")

// parseYAML parses data into an AST, turning a parser panic into an error.
func parseYAML(data []byte, opts ...parser.Option) (f *ast.File, err error) {
	defer func() {
		if recover() != nil {
			f, err = nil, errDecoderPanic
		}
	}()
	return parser.ParseBytes(data, 0, opts...)
}

// decodeBody decodes body into p (a pointer) strictly.
func decodeBody(body ast.Node, p any) (err error) {
	defer func() {
		if recover() != nil {
			err = errDecoderPanic
		}
	}()
	// The parser has already refused duplicate keys; allowing them here only
	// lets a mapping override keys it merges in with "<<: *anchor".
	return yaml.NodeToValue(body, p, yaml.Strict(), yaml.AllowDuplicateMapKey())
}

// decodeLoose decodes body into p (a pointer), ignoring unknown fields.
func decodeLoose(body ast.Node, p any) (err error) {
	defer func() {
		if recover() != nil {
			err = errDecoderPanic
		}
	}()
	return yaml.NodeToValue(body, p, yaml.AllowDuplicateMapKey())
}

// singleBody returns the body of the only document of f, a mapping.
func singleBody(file string, f *ast.File) (ast.Node, error) {
	return documentBody(file, f, "definition", "project and build")
}

// documentBody returns the body of the only document of f, a mapping; what
// names the kind of file and needs the fields it requires, in errors.
func documentBody(file string, f *ast.File, what, needs string) (ast.Node, error) {
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			at, _ := startOf(doc.Body)
			return nil, &Error{File: file, Line: max(at.line, 1), Column: max(at.col, 1),
				Msg: "a " + what + " is a single YAML document; found a second one"}
		}
		body = doc.Body
	}
	if body == nil {
		return nil, &Error{File: file, Line: 1, Column: 1, Msg: "empty " + what + ": " + needs + " are required"}
	}
	switch body.Type() {
	case ast.MappingType, ast.MappingValueType, ast.AnchorType, ast.TagType:
		return body, nil
	}
	at, _ := startOf(body)
	return nil, &Error{File: file, Line: max(at.line, 1), Column: max(at.col, 1),
		Msg: fmt.Sprintf("a %s must be a mapping with %s, not a %s", what, needs, body.Type().YAMLName())}
}

// nodeError is a decoding problem found by one of our own unmarshalers.
type nodeError struct {
	node ast.Node
	msg  string
}

func (e *nodeError) Error() string { return e.msg }

// decodeError turns an error of the YAML decoder into an *Error naming the field.
func decodeError(file string, idx *fieldIndex, err error) *Error {
	// The message is never err.Error() of a yaml.Error: that prints the
	// tokens around the problem, at a cost that grows with the square of a
	// long flow sequence.
	out := &Error{File: file, Line: 1, Column: 1}
	var at pos
	var found bool
	var ne *nodeError
	var ye yaml.Error
	switch {
	case errors.As(err, &ne):
		at, found = startOfToken(ne.node)
		out.Msg = ne.msg
	case errors.As(err, &ye):
		at, found = tokenPos(ye.GetToken())
		out.Msg = decodeMessage(ye)
	default:
		out.Msg = err.Error()
	}
	if !found {
		return out
	}
	path, exact := idx.pathAt(at)
	out.Field = path
	if exact && path != "" {
		at = idx.lookup(path)
	}
	out.Line, out.Column = at.line, at.col
	return out
}

func startOfToken(n ast.Node) (pos, bool) {
	if n == nil {
		return pos{}, false
	}
	return tokenPos(n.GetToken())
}
