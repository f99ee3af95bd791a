package pipeline

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// pos is a 1-based place in a YAML file.
type pos struct{ line, col int }

func comparePos(a, b pos) int {
	return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col))
}

// field is where a field path was found and whether its value is null.
type field struct {
	at   pos
	null bool
}

// fieldIndex maps the field paths of a parsed document ("build.stages[0].name")
// to where they are written, and the positions of its tokens back to paths.
// Aliases are not followed: what an alias refers to is indexed at its anchor.
type fieldIndex struct {
	byPath map[string]field
	byPos  map[pos]string
	sorted []pos // keys of byPos in order, built on first use
}

func newFieldIndex(body ast.Node) *fieldIndex {
	x := &fieldIndex{byPath: map[string]field{}, byPos: map[pos]string{}}
	x.define("", body)
	x.walk(body, "")
	return x
}

func (x *fieldIndex) walk(n ast.Node, path string) {
	if n == nil {
		return
	}
	x.mark(n.GetToken(), path)
	switch n := n.(type) {
	case *ast.AnchorNode:
		x.walk(n.Value, path)
	case *ast.TagNode:
		x.walk(n.Value, path)
	case *ast.MappingNode:
		for _, mv := range n.Values {
			x.entry(mv, path)
		}
	case *ast.MappingValueNode:
		x.entry(n, path)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			p := fmt.Sprintf("%s[%d]", path, i)
			x.define(p, v)
			x.walk(v, p)
		}
	}
}

// entry indexes one key: value pair of a mapping at path.
func (x *fieldIndex) entry(mv *ast.MappingValueNode, path string) {
	if mv == nil || mv.Key == nil {
		return
	}
	key := mv.Key.GetToken()
	if k, ok := mv.Key.(*ast.MappingKeyNode); ok && k.Value != nil {
		key = k.Value.GetToken()
	}
	if key == nil {
		return
	}
	p := key.Value
	if path != "" {
		p = path + "." + key.Value
	}
	x.define(p, mv)
	x.mark(key, p)
	x.walk(mv.Value, p)
}

// define records where the field at path is written: n is its key: value
// pair in a mapping or its entry in a sequence. The first definition wins.
func (x *fieldIndex) define(path string, n ast.Node) {
	if _, ok := x.byPath[path]; ok {
		return
	}
	at, ok := startOf(n)
	if !ok {
		return
	}
	value := n
	if mv, isPair := n.(*ast.MappingValueNode); isPair {
		value = mv.Value
	}
	x.byPath[path] = field{at: at, null: value == nil || value.Type() == ast.NullType}
}

// mark maps the position of tk to path, unless a position already has one.
func (x *fieldIndex) mark(tk *token.Token, path string) {
	at, ok := tokenPos(tk)
	if !ok {
		return
	}
	if _, taken := x.byPos[at]; !taken {
		x.byPos[at] = path
		x.sorted = nil
	}
}

// lookup returns where the field at path, or its nearest written parent, is.
func (x *fieldIndex) lookup(path string) pos {
	for {
		if f, ok := x.byPath[path]; ok {
			return f.at
		}
		if path == "" {
			return pos{1, 1}
		}
		path = parentPath(path)
	}
}

// isSet reports whether the field at path is written with a non-null value.
func (x *fieldIndex) isSet(path string) bool {
	f, ok := x.byPath[path]
	return ok && !f.null
}

// pathAt returns the path of the token at p and true, or else the path of
// the nearest token before p and false.
func (x *fieldIndex) pathAt(p pos) (string, bool) {
	if path, ok := x.byPos[p]; ok {
		return path, true
	}
	if x.sorted == nil {
		for at := range x.byPos {
			x.sorted = append(x.sorted, at)
		}
		slices.SortFunc(x.sorted, comparePos)
	}
	i, _ := slices.BinarySearchFunc(x.sorted, p, comparePos)
	if i == 0 {
		return "", false
	}
	return x.byPos[x.sorted[i-1]], false
}

// parentPath strips the last ".key" or "[i]" of path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// startOf returns where n begins in the source: the first key of a block
// mapping, the key of a pair, else the node's own token.
func startOf(n ast.Node) (pos, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return startOf(v.Values[0])
		}
	case *ast.MappingValueNode:
		if v.Key != nil {
			return startOf(v.Key)
		}
	case nil:
		return pos{}, false
	}
	return tokenPos(n.GetToken())
}

func tokenPos(tk *token.Token) (pos, bool) {
	if tk == nil || tk.Position == nil || tk.Position.Line < 1 {
		return pos{}, false
	}
	return pos{tk.Position.Line, max(tk.Position.Column, 1)}, true
}
