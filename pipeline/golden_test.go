package pipeline

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
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

// TestGoldenInclude checks the definitions that include templates: each
// testdata/include/valid/*/drover.yaml compiles to the plan in plan.json of
// its directory, each testdata/include/invalid/*/drover.yaml fails with the
// error text in err. Includes are read by dirFetch from the directory.
func TestGoldenInclude(t *testing.T) {
	for _, kind := range []string{"valid", "invalid"} {
		dirs, err := filepath.Glob(filepath.Join("testdata", "include", kind, "*"))
		require.NoError(t, err)
		require.NotEmpty(t, dirs)
		for _, dir := range dirs {
			t.Run(kind+"/"+filepath.Base(dir), func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, "drover.yaml"))
				require.NoError(t, err)
				p, err := ParseIncluding("drover.yaml", data, dirFetch(dir))
				if kind == "invalid" {
					require.Nil(t, p)
					require.NotEmpty(t, AllErrors(err), "want definition errors, got %v", err)
					golden(t, filepath.Join(dir, "err"), []byte(err.Error()+"\n"))
					return
				}
				require.NoError(t, err)
				got, err := json.MarshalIndent(NewPlan(p), "", "  ")
				require.NoError(t, err)
				golden(t, filepath.Join(dir, "plan.json"), append(got, '\n'))
			})
		}
	}
}

// dirFetch reads includes as the server would, from dir: the build's own
// files from dir, those of project P from dir/projects/P (a project without
// a directory is not registered).
func dirFetch(dir string) Fetch {
	return func(_ string, inc Include) (IncludedFile, error) {
		root, source := dir, inc.File
		if inc.Project != "" {
			root = filepath.Join(dir, "projects", inc.Project)
			if _, err := os.Stat(root); err != nil {
				return IncludedFile{}, &IncludeError{Field: "project", Msg: fmt.Sprintf("project %q is not registered", inc.Project)}
			}
			source = fmt.Sprintf("%s@%s:%s", inc.Project, inc.Ref[:min(len(inc.Ref), 12)], inc.File)
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(inc.File)))
		if errors.Is(err, fs.ErrNotExist) {
			return IncludedFile{}, &IncludeError{Field: "file", Msg: fmt.Sprintf("no %s in %s", inc.File, cmp.Or(inc.Project, "this repository"))}
		}
		return IncludedFile{Source: source, Data: data}, err
	}
}
