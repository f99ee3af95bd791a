package pipeline

import (
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
)

// Limits of a definition. Every drover.yaml is written by whoever can push,
// so each is checked before the work it bounds: the size before anything, the
// depth and node count on the tokens before the YAML parser builds a tree
// (its cost grows with the square of the depth), the node count with aliases
// expanded before decoding, and the counts and plan size before a workflow
// starts (Temporal refuses a payload over 2 MB and a gRPC message over 4 MB,
// and a build must stay well under both all its life).
const (
	// MaxDefinitionBytes is the largest drover.yaml, in bytes.
	MaxDefinitionBytes = 256 << 10
	// MaxDepth is the deepest nesting of mappings and sequences.
	MaxDepth = 24
	// MaxKeyBytes is the longest mapping key, in bytes. The YAML parser
	// builds for every node the path of keys above it, so long keys over
	// many nodes cost their product.
	MaxKeyBytes = 128
	// MaxNodes is the most YAML nodes a definition may hold, counting what
	// each alias stands for.
	MaxNodes = 20000
	// MaxStages is the most stages of a build.
	MaxStages = 50
	// MaxTasks is the most tasks of a build, over all its stages.
	MaxTasks = 200
	// MaxSteps is the most steps of one task.
	MaxSteps = 50
	// MaxPlanBytes is the largest construction plan, encoded as JSON, as it
	// travels in the workflow's input.
	MaxPlanBytes = 512 << 10
	// MaxIncludes is the most template files a definition may include.
	// Each is held to the limits of a definition (MaxDefinitionBytes,
	// MaxDepth, MaxNodes) and includes nothing itself.
	MaxIncludes = 10
	// MaxParams is the most parameters one include may set.
	MaxParams = 50
	// MaxParamBytes is the longest parameter value, in bytes.
	MaxParamBytes = 4 << 10
	// MaxExpandedBytes bounds the bytes that parameters add to one
	// template file where they are substituted.
	MaxExpandedBytes = 1 << 20
)

// limitError is the *Error of a definition over one of the limits.
func limitError(file string, at pos, what string, value, limit int, unit string) *Error {
	return &Error{File: file, Line: max(at.line, 1), Column: max(at.col, 1),
		Msg: fmt.Sprintf("%s is %d%s, over the limit of %d%s", what, value, unit, limit, unit)}
}

// checkTokens refuses data over MaxDefinitionBytes, or whose tokens nest
// deeper than MaxDepth, number more than MaxNodes or hold a key longer than
// MaxKeyBytes, before it is parsed.
//
// Flow collections nest by their brackets, counted exactly. Block
// collections nest by indentation: every block collection starts at a column
// right of its parent's, and its first token is the first of its line or
// follows a "-" indicator (or an anchor or tag) on it. A stack of
// those starting columns, popped on each token left of its top, therefore
// holds at least every open block level, so its height bounds the depth.
func checkTokens(file string, data []byte) *Error {
	if len(data) > MaxDefinitionBytes {
		return limitError(file, pos{1, 1}, "the definition", len(data), MaxDefinitionBytes, " bytes")
	}
	var (
		nodes    int
		flow     int
		columns  []int
		line     = -1
		startsAt = true // the next token may start a block collection
	)
	for _, tk := range lexer.Tokenize(string(data)) {
		if tk.Type == token.CommentType || tk.Position == nil {
			continue
		}
		at := pos{tk.Position.Line, tk.Position.Column}
		if nodes++; nodes > MaxNodes {
			return limitError(file, at, "the number of YAML nodes", nodes, MaxNodes, "")
		}
		if tk.Position.Line != line {
			line, startsAt = tk.Position.Line, true
		}
		if flow == 0 && startsAt {
			for len(columns) > 0 && columns[len(columns)-1] > at.col {
				columns = columns[:len(columns)-1]
			}
			if len(columns) == 0 || columns[len(columns)-1] < at.col {
				columns = append(columns, at.col)
			}
		}
		if next := nextToken(tk); next != nil && next.Type == token.MappingValueType && len(tk.Value) > MaxKeyBytes {
			return limitError(file, at, "a mapping key", len(tk.Value), MaxKeyBytes, " bytes")
		}
		switch tk.Type {
		case token.MappingKeyType:
			return &Error{File: file, Line: at.line, Column: max(at.col, 1),
				Msg: "explicit mapping keys (\"? key\") are not supported"}
		case token.SequenceEntryType, token.AnchorType, token.TagType:
			// what follows on this line may start a nested block collection
		case token.SequenceStartType, token.MappingStartType:
			flow++
			startsAt = false
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
			startsAt = false
		default:
			startsAt = false
		}
		if depth := len(columns) + flow; depth > MaxDepth {
			return limitError(file, at, "the nesting depth", depth, MaxDepth, " levels")
		}
	}
	return nil
}

// nextToken is the token after tk, skipping comments.
func nextToken(tk *token.Token) *token.Token {
	for tk = tk.Next; tk != nil && tk.Type == token.CommentType; tk = tk.Next {
	}
	return tk
}

// checkTree refuses a parsed body whose nodes, with every alias expanded to
// what its anchor stands for, number more than MaxNodes or nest deeper than
// MaxDepth: decoding expands aliases, so a few bytes of aliases of aliases
// would otherwise decode into millions of values.
func checkTree(file string, body ast.Node) *Error {
	type size struct{ nodes, depth int }
	anchors := map[string]size{}
	var walk func(n ast.Node) size
	walk = func(n ast.Node) size {
		if n == nil {
			return size{}
		}
		var s size
		add := func(c size) {
			s.nodes += c.nodes
			s.depth = max(s.depth, c.depth)
		}
		switch n := n.(type) {
		case *ast.AnchorNode:
			s = walk(n.Value)
			if n.Name != nil {
				anchors[n.Name.GetToken().Value] = s
			}
			return s
		case *ast.AliasNode:
			if n.Value != nil && n.Value.GetToken() != nil {
				if a, ok := anchors[n.Value.GetToken().Value]; ok {
					return a
				}
			}
			return size{nodes: 1, depth: 1}
		case *ast.TagNode:
			return walk(n.Value)
		case *ast.MappingNode:
			for _, mv := range n.Values {
				add(walk(mv))
			}
		case *ast.MappingValueNode:
			add(walk(n.Key))
			add(walk(n.Value))
			return size{nodes: s.nodes + 1, depth: s.depth}
		case *ast.MappingKeyNode:
			add(walk(n.Value))
			return size{nodes: s.nodes + 1, depth: s.depth}
		case *ast.SequenceNode:
			for _, v := range n.Values {
				add(walk(v))
			}
		}
		// Saturate, so that counts of aliases of aliases cannot overflow.
		return size{nodes: min(s.nodes+1, MaxNodes+1), depth: min(s.depth+1, MaxDepth+1)}
	}
	s := walk(body)
	at, _ := startOf(body)
	switch {
	case s.nodes > MaxNodes:
		return limitError(file, at, "the number of YAML nodes with aliases expanded", s.nodes, MaxNodes, "")
	case s.depth > MaxDepth:
		return limitError(file, at, "the nesting depth with aliases expanded", s.depth, MaxDepth, " levels")
	}
	return nil
}

// checkCounts refuses a build of more than MaxStages stages or MaxTasks
// tasks (counting every combination of a matrix), or whose plan encodes to more than MaxPlanBytes.
func (v *validator) checkCounts(b Build) bool {
	if n := len(b.Stages); n > MaxStages {
		v.add("build.stages", "the number of stages is %d, over the limit of %d", n, MaxStages)
		return false
	}
	tasks, matrix := 0, ""
	for _, s := range b.Stages {
		for _, t := range s.Tasks {
			tasks += t.tasks()
			if t.Matrix != nil {
				matrix = ", counting each combination of a matrix"
			}
		}
	}
	if tasks > MaxTasks {
		v.add("build.stages", "the number of tasks is %d%s, over the limit of %d", tasks, matrix, MaxTasks)
		return false
	}
	return true
}

// checkEncoded refuses a definition whose build, promotion and
// notifications, encoded as JSON as they travel in a workflow's input, take
// more than MaxPlanBytes: aliases can repeat a long script in every task.
func checkEncoded(file string, p *Project) *Error {
	b, err := json.Marshal(struct {
		Plan      Plan       `json:"plan"`
		Promotion *Promotion `json:"promotion,omitempty"`
		Notify    *Notify    `json:"notify,omitempty"`
	}{NewPlan(p), p.Promotion, p.Notify})
	if err != nil {
		return &Error{File: file, Line: 1, Column: 1, Msg: "the definition cannot be encoded: " + err.Error()}
	}
	if len(b) > MaxPlanBytes {
		return limitError(file, pos{1, 1}, "the plan, encoded as JSON", len(b), MaxPlanBytes, " bytes")
	}
	return nil
}
