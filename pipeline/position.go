package pipeline

import (
	"cmp"
	"slices"
	"strconv"
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
//
// Paths are never built while indexing: a path is a node of a tree (its
// parent and its last segment) known by the hash of its text, which extends
// the parent's hash by the segment. Building each path string would cost the
// sum of all path lengths, which grows with depth squared, or with a long
// key times the entries below it. The text of a path is built only for the
// few positions an error is reported at.
type fieldIndex struct {
	byPath map[uint64]field
	byPos  map[pos]int32 // index into nodes
	nodes  []pathNode
	sorted []pos // keys of byPos in order, built on first use
}

// pathNode is one path of the index: its parent's index, the segment it
// adds (".key", "key" at the top, or "[i]") and the hash of its text.
type pathNode struct {
	parent int32
	seg    string
	hash   uint64
}

// FNV-1a, which hashes a string by extending the hash of its prefix.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func extendHash(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashPath(path string) uint64 { return extendHash(fnvOffset, path) }

// root is the index of the empty path.
const root int32 = 0

func newFieldIndex(body ast.Node) *fieldIndex {
	x := &fieldIndex{byPath: map[uint64]field{}, byPos: map[pos]int32{},
		nodes: []pathNode{{parent: -1, hash: fnvOffset}}}
	x.define(root, body)
	x.walk(body, root)
	return x
}

// child adds the path of parent extended by seg.
func (x *fieldIndex) child(parent int32, seg string) int32 {
	x.nodes = append(x.nodes, pathNode{parent: parent, seg: seg, hash: extendHash(x.nodes[parent].hash, seg)})
	return int32(len(x.nodes) - 1)
}

// text builds the path string of node id.
func (x *fieldIndex) text(id int32) string {
	var segs []string
	for ; id > root; id = x.nodes[id].parent {
		segs = append(segs, x.nodes[id].seg)
	}
	slices.Reverse(segs)
	return strings.Join(segs, "")
}

func (x *fieldIndex) walk(n ast.Node, path int32) {
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
			p := x.child(path, "["+strconv.Itoa(i)+"]")
			x.define(p, v)
			x.walk(v, p)
		}
	}
}

// entry indexes one key: value pair of a mapping at path.
func (x *fieldIndex) entry(mv *ast.MappingValueNode, path int32) {
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
	seg := key.Value
	if path != root {
		seg = "." + key.Value
	}
	p := x.child(path, seg)
	x.define(p, mv)
	x.mark(key, p)
	x.walk(mv.Value, p)
}

// define records where the field at path is written: n is its key: value
// pair in a mapping or its entry in a sequence. The first definition wins.
func (x *fieldIndex) define(path int32, n ast.Node) {
	h := x.nodes[path].hash
	if _, ok := x.byPath[h]; ok {
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
	x.byPath[h] = field{at: at, null: value == nil || value.Type() == ast.NullType}
}

// mark maps the position of tk to path, unless a position already has one.
func (x *fieldIndex) mark(tk *token.Token, path int32) {
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
		if f, ok := x.byPath[hashPath(path)]; ok {
			return f.at
		}
		if path == "" {
			return pos{1, 1}
		}
		path = parentPath(path)
	}
}

// written reports whether the field at path is written, even as null.
func (x *fieldIndex) written(path string) bool {
	_, ok := x.byPath[hashPath(path)]
	return ok
}

// isSet reports whether the field at path is written with a non-null value.
func (x *fieldIndex) isSet(path string) bool {
	f, ok := x.byPath[hashPath(path)]
	return ok && !f.null
}

// pathAt returns the path of the token at p and true, or else the path of
// the nearest token before p and false.
func (x *fieldIndex) pathAt(p pos) (string, bool) {
	if id, ok := x.byPos[p]; ok {
		return x.text(id), true
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
	return x.text(x.byPos[x.sorted[i-1]]), false
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
