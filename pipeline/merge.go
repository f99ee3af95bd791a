package pipeline

import (
	"cmp"
	"slices"

	"github.com/goccy/go-yaml/ast"
)

// mergeKeysFirst moves "<<" merge keys to the front of every mapping, so
// the keys written in the mapping override merged ones wherever the merge
// key is written, as YAML specifies (the decoder lets later keys win).
func mergeKeysFirst(n ast.Node) {
	switch n := n.(type) {
	case *ast.MappingNode:
		slices.SortStableFunc(n.Values, func(a, b *ast.MappingValueNode) int {
			return cmp.Compare(mergeRank(a), mergeRank(b))
		})
		for _, mv := range n.Values {
			mergeKeysFirst(mv.Value)
		}
	case *ast.MappingValueNode:
		mergeKeysFirst(n.Value)
	case *ast.SequenceNode:
		for _, v := range n.Values {
			mergeKeysFirst(v)
		}
	case *ast.AnchorNode:
		mergeKeysFirst(n.Value)
	case *ast.TagNode:
		mergeKeysFirst(n.Value)
	}
}

func mergeRank(mv *ast.MappingValueNode) int {
	if mv != nil && mv.Key != nil && mv.Key.IsMergeKey() {
		return 0
	}
	return 1
}
