package pipeline

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"full", &Error{File: "drover.yaml", Line: 12, Column: 7, Field: "build.stages[0].tasks[1].retries", Msg: "must be 0 or more"},
			"drover.yaml:12:7: build.stages[0].tasks[1].retries: must be 0 or more"},
		{"no field", &Error{File: "drover.yaml", Line: 1, Column: 1, Msg: "empty definition"}, "drover.yaml:1:1: empty definition"},
		{"no file", &Error{Line: 3, Column: 2, Field: "project", Msg: "required"}, "3:2: project: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestErrorsUnwrapAndAll(t *testing.T) {
	first := &Error{File: "f", Line: 1, Column: 1, Field: "project", Msg: "required"}
	second := &Error{File: "f", Line: 4, Column: 3, Field: "build.stages", Msg: "at least one stage is required"}
	err := fmt.Errorf("parse: %w", Errors{first, second})

	require.Equal(t, "parse: f:1:1: project: required\nf:4:3: build.stages: at least one stage is required", err.Error())
	var one *Error
	require.True(t, errors.As(err, &one))
	require.Same(t, first, one)
	require.True(t, errors.Is(err, second))
	require.Equal(t, Errors{first, second}, AllErrors(err))

	require.Equal(t, Errors{first}, AllErrors(fmt.Errorf("wrapped: %w", first)))
	require.Nil(t, AllErrors(errors.New("plain")))
	require.Nil(t, AllErrors(nil))
}

func TestJoinErrorsSortsByPosition(t *testing.T) {
	a := &Error{Line: 9, Column: 1, Msg: "a"}
	b := &Error{Line: 2, Column: 5, Msg: "b"}
	c := &Error{Line: 2, Column: 3, Msg: "c"}
	require.NoError(t, joinErrors(nil))
	require.Same(t, a, joinErrors([]*Error{a}))
	require.Equal(t, Errors{c, b, a}, joinErrors([]*Error{a, b, c}))
}
