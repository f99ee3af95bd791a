// Package temporalconfig carries the Temporal settings Drover needs, embedded
// from the files beside it so every consumer reads one source of truth:
// search-attributes.txt (the custom search attributes its workflows set) and
// dynamic-config.txt (the dev server's dynamic configuration values) and
// sqlite-pragmas.txt (the file-backed dev server's SQLite pragmas).
package temporalconfig

import (
	_ "embed"
	"fmt"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
)

//go:embed search-attributes.txt
var searchAttributesFile string

//go:embed dynamic-config.txt
var dynamicConfigFile string

//go:embed sqlite-pragmas.txt
var sqlitePragmasFile string

// SearchAttribute is a custom search attribute Drover's workflows set.
type SearchAttribute struct {
	Name string // e.g. DroverProject
	Type string // Temporal's short type name, e.g. Keyword or KeywordList
}

// IndexedValueType is the attribute's type as Temporal's API names it.
func (a SearchAttribute) IndexedValueType() (enumspb.IndexedValueType, error) {
	t, err := enumspb.IndexedValueTypeFromString(a.Type)
	if err != nil || t == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
		return 0, fmt.Errorf("search attribute %s: unknown type %q", a.Name, a.Type)
	}
	return t, nil
}

// SearchAttributes lists the custom search attributes Drover needs, in file order.
func SearchAttributes() ([]SearchAttribute, error) {
	var attrs []SearchAttribute
	for _, line := range lines(searchAttributesFile) {
		name, typ, ok := strings.Cut(line, "=")
		if !ok || name == "" || typ == "" {
			return nil, fmt.Errorf("search-attributes.txt: %q is not Name=Type", line)
		}
		a := SearchAttribute{Name: name, Type: typ}
		if _, err := a.IndexedValueType(); err != nil {
			return nil, fmt.Errorf("search-attributes.txt: %w", err)
		}
		attrs = append(attrs, a)
	}
	return attrs, nil
}

// DynamicConfig lists the dev server's dynamic configuration values, each
// "key=value" as `temporal server start-dev --dynamic-config-value` takes it.
func DynamicConfig() []string { return lines(dynamicConfigFile) }

// SQLitePragmas lists the SQLite pragmas of a file-backed dev server, each
// "name=value" as `temporal server start-dev --sqlite-pragma` takes it.
func SQLitePragmas() []string { return lines(sqlitePragmasFile) }

// lines returns the non-blank lines of text that are not # comments, trimmed.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}
