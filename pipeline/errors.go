package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a project definition: where it is and what is wrong.
//
// Line and Column are 1-based and point at the offending field (its key in a
// mapping, or the entry in a sequence); they are never below 1. Field is the
// path of that field, such as "build.stages[0].tasks[1].retries"; it is empty
// when the problem concerns the whole file or cannot be tied to a field.
type Error struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

// Error formats the problem as "file:line:column: field: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors holds several problems of one definition, sorted by position.
//
// Parse returns Errors only when it finds more than one problem; a single
// problem is returned as a bare *Error. Either way errors.As(err, &e) with
// e of type *Error yields the first problem, and AllErrors returns them all.
type Errors []*Error

// Error joins the problems, one a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns every problem, so errors.As and errors.Is see each of them.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// AllErrors returns every definition problem carried by err, in order of
// position: the list of an Errors, or a single *Error as a list of one. It
// returns nil when err holds no *Error (for instance an I/O error of LoadFile).
func AllErrors(err error) Errors {
	var list Errors
	if errors.As(err, &list) {
		return list
	}
	var one *Error
	if errors.As(err, &one) {
		return Errors{one}
	}
	return nil
}

// sortErrors orders problems by line then column, keeping the order in
// which they were found for problems at the same place.
func sortErrors(es []*Error) {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}

// joinErrors returns nil, the only problem, or all of them sorted.
func joinErrors(es []*Error) error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	sortErrors(es)
	return Errors(es)
}
