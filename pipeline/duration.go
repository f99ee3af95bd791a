package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a length of time written in drover.yaml as a Go duration
// string: "15s", "10m", "1h30m". Zero means unset.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d without trailing zero units: "1h30m", "10m", "15s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// UnmarshalYAML reads a duration string from node. A null value leaves d unset.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	switch n := node.(type) {
	case *ast.NullNode:
		*d = 0
		return nil
	case *ast.StringNode:
		v, err := parseDuration(n.Value)
		if err != nil {
			return &nodeError{node: node, msg: err.Error()}
		}
		*d = v
		return nil
	case *ast.IntegerNode, *ast.FloatNode:
		return &nodeError{node: node, msg: fmt.Sprintf("invalid duration %s: a number needs a unit, as in 10m, 1h30m or 15s", n.GetToken().Value)}
	default:
		return &nodeError{node: node, msg: fmt.Sprintf("must be a duration such as 10m, 1h30m or 15s, not a %s", node.Type().YAMLName())}
	}
}

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string, or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var ns int64
		if err := json.Unmarshal(b, &ns); err != nil {
			return fmt.Errorf("decode duration %s: want a string such as \"10m\" or nanoseconds", b)
		}
		*d = Duration(ns)
		return nil
	}
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func parseDuration(s string) (Duration, error) {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use a number with a unit, as in 10m, 1h30m or 15s", s)
	}
	return Duration(v), nil
}
