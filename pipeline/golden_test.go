package pipeline

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGoldenValid checks that each testdata/valid/*.yaml parses and compiles
// to the plan in the matching .plan.json.
func TestGoldenValid(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, err := LoadFile(file)
			require.NoError(t, err)
			got, err := json.MarshalIndent(NewPlan(p), "", "  ")
			require.NoError(t, err)
			golden(t, strings.TrimSuffix(file, ".yaml")+".plan.json", append(got, '\n'))
		})
	}
}

// TestGoldenInvalid checks that each testdata/invalid/*.yaml fails with the
// error text in the matching .err.
func TestGoldenInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, err := LoadFile(file)
			require.Nil(t, p)
			require.Error(t, err)
			var first *Error
			require.True(t, errors.As(err, &first))
			golden(t, strings.TrimSuffix(file, ".yaml")+".err", []byte(err.Error()+"\n"))
		})
	}
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./pipeline -run Golden -update to create it")
	require.Equal(t, string(want), string(got))
}
