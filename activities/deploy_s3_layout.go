package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"os"
	"path"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// Bounds of an s3 deploy's layouts: a layout file, a file rendered through
// one, and what one rendering may write.
const (
	maxLayoutFile     = 1 << 20
	maxLayoutInput    = 16 << 20
	maxLayoutRendered = 32 << 20
)

// layoutData is what a layout template sees of one published file.
type layoutData struct {
	// Content is the file as written by the build: HTML the project made,
	// so it is not escaped again.
	Content                                     template.HTML
	Path, Project, Version, Commit, Environment string
}

// s3Layout is a parsed layout of the deploy.
type s3Layout struct {
	spec pipeline.S3Layout
	tmpl *template.Template
}

// readLayouts reads and parses the deploy's layouts from the repository at
// in.Commit. A missing or unparsable layout fails the deploy for good,
// before anything is published.
func (d s3Deploy) readLayouts(ctx context.Context, in DeployInput, spec pipeline.S3Deploy, log *logstore.LineWriter) ([]s3Layout, error) {
	what := deployWhat(in)
	var out []s3Layout
	for _, l := range spec.Layouts {
		if in.Repository == "" || in.Commit == "" {
			return nil, deployLogged(log, "%s: layout %s: the version has no repository and commit to read it from", what, l.File)
		}
		body, err := d.a.Tasks.Source.ReadFile(ctx, in.Repository, in.Commit, l.File)
		if errors.Is(err, gitsource.ErrFileNotFound) {
			return nil, deployLogged(log, "%s: layout %s does not exist at commit %s", what, l.File, in.Commit)
		}
		if err != nil {
			log.Printf("=== read layout %s: %v ===", l.File, err)
			return nil, stepError(ctx, what, fmt.Errorf("read layout %s: %w", l.File, err))
		}
		if len(body) > maxLayoutFile {
			return nil, deployLogged(log, "%s: layout %s is %d bytes; at most %d", what, l.File, len(body), maxLayoutFile)
		}
		tmpl, err := template.New(path.Base(l.File)).Option("missingkey=error").Parse(string(body))
		if err != nil {
			return nil, deployLogged(log, "%s: layout %s: %v", what, l.File, err)
		}
		out = append(out, s3Layout{spec: l, tmpl: tmpl})
	}
	return out, nil
}

// applyLayouts renders every file that matches a layout (the first that
// matches, by base name) through it, in place, before the upload.
func applyLayouts(in DeployInput, layouts []s3Layout, files []localFile, log *logstore.LineWriter) error {
	if len(layouts) == 0 {
		return nil
	}
	rendered := 0
	for _, f := range files {
		l := matchLayout(layouts, f.Name)
		if l == nil {
			continue
		}
		body, err := os.ReadFile(f.Path)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Name, err)
		}
		if len(body) > maxLayoutInput {
			return fmt.Errorf("%s is %d bytes: at most %d are rendered through a layout", f.Name, len(body), maxLayoutInput)
		}
		var out bytes.Buffer
		w := &cappedWriter{w: &out, left: maxLayoutRendered}
		data := layoutData{Content: template.HTML(body), Path: f.Name, Project: in.Project, Version: in.Version,
			Commit: in.Commit, Environment: in.Environment}
		if err := l.tmpl.Execute(w, data); err != nil {
			return fmt.Errorf("render %s through layout %s: %w", f.Name, l.spec.File, err)
		}
		if err := os.WriteFile(f.Path, out.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
		rendered++
	}
	log.Printf("rendered %d files through layouts", rendered)
	return nil
}

func matchLayout(layouts []s3Layout, name string) *s3Layout {
	for i := range layouts {
		if ok, _ := path.Match(layouts[i].spec.Match, path.Base(name)); ok {
			return &layouts[i]
		}
	}
	return nil
}

// cappedWriter fails a rendering that writes more than left bytes.
type cappedWriter struct {
	w    *bytes.Buffer
	left int
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if len(p) > c.left {
		return 0, fmt.Errorf("the rendering is over %d bytes", maxLayoutRendered)
	}
	c.left -= len(p)
	return c.w.Write(p)
}
