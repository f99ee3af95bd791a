package activities

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/secrets"
)

// annotationLine is a GitHub Actions workflow command that annotates the
// run: "::warning::message" or "::error file=F,line=L::message".
var annotationLine = regexp.MustCompile(`^::(warning|error)(?: ([^:]*))?::(.*)$`)

// annotations are the warnings and errors a script printed, at most
// contracts.MaxAnnotations of each.
type annotations struct {
	warnings, errors []string
}

// parse collects line if it is an annotation.
func (a *annotations) parse(line []byte) {
	m := annotationLine.FindSubmatch(line)
	if m == nil {
		return
	}
	list := &a.warnings
	if string(m[1]) == "error" {
		list = &a.errors
	}
	if len(*list) >= contracts.MaxAnnotations {
		return
	}
	msg := unescapeCommand(string(m[3]))
	if where := annotationWhere(string(m[2])); where != "" {
		msg = where + ": " + msg
	}
	*list = append(*list, msg)
}

// annotationWhere is "file:line:col" (as much as is given) of an
// annotation's properties "file=F,line=L,col=C"; other properties
// (title, endLine …) are left out.
func annotationWhere(props string) string {
	var file, line, col string
	for p := range strings.SplitSeq(props, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		v = unescapeProperty(v)
		switch k {
		case "file":
			file = v
		case "line":
			line = v
		case "col":
			col = v
		}
	}
	if file == "" {
		return ""
	}
	if line != "" {
		file += ":" + line
		if col != "" {
			file += ":" + col
		}
	}
	return file
}

// unescapeCommand undoes GitHub's escaping of a workflow command's message.
func unescapeCommand(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

// unescapeProperty undoes GitHub's escaping of a workflow command's property.
func unescapeProperty(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}

// result returns the warnings and errors masked with masker and each cut to
// contracts.MaxAnnotationLength bytes.
func (a *annotations) result(masker *secrets.Masker) (warnings, errors []string) {
	clean := func(list []string) []string {
		if len(list) == 0 {
			return nil
		}
		out := make([]string, len(list))
		for i, s := range list {
			out[i] = clipAnnotation(masker.String(s))
		}
		return out
	}
	return clean(a.warnings), clean(a.errors)
}

// clipAnnotation cuts s to contracts.MaxAnnotationLength bytes, on a rune
// boundary, ending in "…" when cut.
func clipAnnotation(s string) string {
	if len(s) <= contracts.MaxAnnotationLength {
		return s
	}
	n := contracts.MaxAnnotationLength - len("…")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
