package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// A definition without includes is parsed once; every caller gets its own
// copy of the project.
func TestParseDefinitionCachesCopies(t *testing.T) {
	s := &Server{}
	def := []byte("project: demo\nbuild:\n  stages:\n    - name: verify\n      tasks: [{name: unit, run: go test ./...}]\n")
	first, err := s.parseDefinition(context.Background(), "", "", def)
	require.NoError(t, err)
	require.Len(t, s.definitions.byText, 1)

	// The second parse is a cache hit: changing what it returned changes
	// neither the cache nor the next caller's project.
	second, err := s.parseDefinition(context.Background(), "", "", def)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.NotSame(t, first, second)
	second.Project = "changed"
	second.Build.Stages[0].Tasks[0].Run = "changed"

	third, err := s.parseDefinition(context.Background(), "", "", def)
	require.NoError(t, err)
	require.Equal(t, "demo", third.Project)
	require.Equal(t, "go test ./...", third.Build.Stages[0].Tasks[0].Run)
	require.NotSame(t, second, third)
	require.Equal(t, first, third)

	// A bad definition is not kept.
	_, err = s.parseDefinition(context.Background(), "", "", []byte("project: [\n"))
	require.Error(t, err)
	require.Len(t, s.definitions.byText, 1)
}

// A definition with includes is parsed, its includes read, every time: it
// is not kept even when its includes are read without error.
func TestParseDefinitionWithIncludesIsNotCached(t *testing.T) {
	src := &fakeSource{refs: map[string]string{}, files: map[string][]byte{
		testRepo + "@" + testSHA + ":ci/local.yaml": []byte("tasks:\n  hello: {run: echo hello}\n"),
	}}
	s := &Server{Source: src}
	def := []byte("project: demo\ninclude: [{name: local, file: ci/local.yaml}]\nbuild:\n  stages:\n    - name: verify\n      tasks: [{use: local/hello}]\n")
	for range 2 {
		p, err := s.parseDefinition(context.Background(), testRepo, testSHA, def)
		require.NoError(t, err)
		require.Equal(t, "echo hello", p.Build.Stages[0].Tasks[0].Run)
	}
	require.Empty(t, s.definitions.byText)

	// No repository: the include is refused, after it was asked for.
	_, err := s.parseDefinition(context.Background(), "", "", def)
	require.Error(t, err)
	require.Empty(t, s.definitions.byText)
}

// The cache keeps the latest definitions only.
func TestDefinitionCacheBounds(t *testing.T) {
	var c definitionCache
	s := &Server{}
	for i := range maxCachedDefinitions + 5 {
		def := []byte(fmt.Sprintf("project: p%d\nbuild:\n  stages:\n    - name: s\n      tasks: [{name: t, run: 'true'}]\n", i))
		p, err := s.parseDefinition(context.Background(), "", "", def)
		require.NoError(t, err)
		c.put(def, p)
	}
	require.Len(t, c.byText, maxCachedDefinitions)
	require.Len(t, c.order, maxCachedDefinitions)
	require.Nil(t, c.get([]byte("project: p0\nbuild:\n  stages:\n    - name: s\n      tasks: [{name: t, run: 'true'}]\n")))
}
