package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, and that whatever it rejects
// comes back as a *Error or Errors placed at line 1 or later.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("project: p\nbuild: {stages: [{name: s, tasks: [{name: t, run: x, timeout: 1h}]}]}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("\t- ]: \"\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("drover.yaml", data)
		if err == nil {
			if p == nil {
				t.Fatal("no project and no error")
			}
			_ = NewPlan(p)
			return
		}
		if p != nil {
			t.Fatalf("project returned with error %v", err)
		}
		var first *Error
		if !errors.As(err, &first) {
			t.Fatalf("error %v is %T, not a *Error", err, err)
		}
		for _, e := range AllErrors(err) {
			if e.Line < 1 || e.Column < 1 || e.Msg == "" || e.File != "drover.yaml" {
				t.Fatalf("badly placed error %#v", e)
			}
		}
	})
}
