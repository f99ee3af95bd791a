package pipeline

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every valid definition of testdata clones into an equal project that
// shares nothing with the original.
func TestProjectClone(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			p, err := Parse(filepath.Base(f), data)
			require.NoError(t, err)
			c := p.Clone()
			require.Equal(t, p, c)
			requireNoSharing(t, reflect.ValueOf(p), reflect.ValueOf(c), "project")
		})
	}
	require.Nil(t, (*Project)(nil).Clone())
}

// A field of a kind deepCopy does not copy (a definition has none) panics
// instead of being shared between the copies.
func TestDeepCopyRefusesOtherKinds(t *testing.T) {
	for _, v := range []any{
		struct{ F any }{},
		struct{ F [2]*int }{},
		struct{ F func() }{},
		struct{ F chan int }{},
	} {
		require.Panics(t, func() { deepCopy(reflect.ValueOf(v)) }, "%T", v)
	}
}

// requireNoSharing fails when a and b (equal values) share a pointer, a
// slice's array or a map.
func requireNoSharing(t *testing.T, a, b reflect.Value, path string) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer, reflect.Map:
		if a.IsNil() {
			return
		}
		require.NotEqual(t, a.Pointer(), b.Pointer(), "%s is shared", path)
		if a.Kind() == reflect.Pointer {
			requireNoSharing(t, a.Elem(), b.Elem(), path)
			return
		}
		for _, k := range a.MapKeys() {
			requireNoSharing(t, a.MapIndex(k), b.MapIndex(k), path+"["+k.String()+"]")
		}
	case reflect.Interface:
		if !a.IsNil() {
			requireNoSharing(t, a.Elem(), b.Elem(), path)
		}
	case reflect.Slice:
		if a.Len() > 0 {
			require.NotEqual(t, a.Pointer(), b.Pointer(), "%s is shared", path)
		}
		for i := range a.Len() {
			requireNoSharing(t, a.Index(i), b.Index(i), path+"[]")
		}
	case reflect.Struct:
		for i := range a.NumField() {
			requireNoSharing(t, a.Field(i), b.Field(i), path+"."+strings.ToLower(a.Type().Field(i).Name))
		}
	}
}

// BenchmarkProjectClone clones each valid definition of testdata, as the
// API's definition cache does for every build it starts.
func BenchmarkProjectClone(b *testing.B) {
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.yaml"))
	require.NoError(b, err)
	var projects []*Project
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		p, err := Parse(filepath.Base(f), data)
		require.NoError(b, err)
		projects = append(projects, p)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range projects {
			_ = p.Clone()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(projects)), "ns/clone")
}
