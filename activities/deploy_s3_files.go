package activities

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// localFile is a file to publish: its key under the release prefix and
// where it is on disk.
type localFile struct {
	Name string // slash-separated, relative
	Path string
}

// collect gathers the files the deploy publishes into a fresh workspace:
// the artifact (unpacked when it is a .tar.gz or .tgz) or a directory of a
// checkout of in.Commit. cleanup removes the workspace; it is never nil.
func (d s3Deploy) collect(ctx context.Context, in DeployInput, spec pipeline.S3Deploy, log *logstore.LineWriter) ([]localFile, func(), error) {
	cleanup := func() {}
	workspace, err := d.a.Tasks.newWorkspace()
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() {
		if err := removeWorkspace(workspace); err != nil {
			d.a.logger().Warn("Remove workspace failed.", "error", err)
		}
	}
	if name := spec.ArtifactName(); name != "" {
		files, err := d.artifactFiles(ctx, in, name, workspace, log)
		return files, cleanup, err
	}
	if in.Repository == "" || in.Commit == "" {
		return nil, cleanup, temporal.NewNonRetryableApplicationError(
			"publish path "+spec.Path+": the version has no repository and commit to check out", ErrTypeDeployFailed, nil)
	}
	checkout := filepath.Join(workspace, "checkout")
	log.Printf("=== checkout %s at %s ===", gitsource.Redact(in.Repository), in.Commit)
	if err := d.a.Tasks.Source.Checkout(ctx, in.Repository, in.Commit, checkout); err != nil {
		return nil, cleanup, fmt.Errorf("checkout: %w", err)
	}
	root := filepath.Join(checkout, filepath.FromSlash(path.Clean(spec.Path)))
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return nil, cleanup, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("publish path %s: not a directory at commit %s", spec.Path, in.Commit), ErrTypeDeployFailed, nil)
	}
	// A symbolic link in the path (public -> /root) must not publish the
	// worker's own files.
	if !insideDir(checkout, root) {
		return nil, cleanup, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("publish path %s: leads out of the repository through a symbolic link", spec.Path), ErrTypeDeployFailed, nil)
	}
	files, err := walkFiles(root, log)
	return files, cleanup, err
}

// artifactFiles downloads the named artifact and returns it, or the files
// of its archive.
func (d s3Deploy) artifactFiles(ctx context.Context, in DeployInput, name, workspace string, log *logstore.LineWriter) ([]localFile, error) {
	var ref *ArtifactRef
	var have []string
	for i := range in.Artifacts {
		have = append(have, in.Artifacts[i].Name)
		if in.Artifacts[i].Name == name {
			ref = &in.Artifacts[i]
		}
	}
	if ref == nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("artifact %s is not one of version %s's artifacts (%s)", name, in.Version, strings.Join(have, ", ")),
			ErrTypeDeployFailed, nil)
	}
	dir := filepath.Join(workspace, "artifacts")
	if err := d.a.downloadArtifacts(ctx, []ArtifactRef{*ref}, dir, ErrTypeDeployFailed, log); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, ref.Name)
	base := path.Base(filepath.ToSlash(ref.Path))
	if ref.Path == "" || base == "." || base == "/" {
		base = ref.Name
	}
	if !strings.HasSuffix(base, ".tar.gz") && !strings.HasSuffix(base, ".tgz") {
		return []localFile{{Name: base, Path: file}}, nil
	}
	root := filepath.Join(workspace, "site")
	if err := untarGz(file, root); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("unpack artifact %s: %v", ref.Name, err), ErrTypeDeployFailed, nil)
	}
	log.Printf("=== unpacked %s ===", base)
	return walkFiles(root, log)
}

// untarGz unpacks the regular files and directories of a gzipped tar
// archive into dir; entries that would land outside dir are refused, and
// links and devices are skipped.
func untarGz(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." {
			continue
		}
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("entry %q is outside the archive's root", h.Name)
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(target, tr); err != nil {
				return err
			}
		}
	}
}

func writeFile(target string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// insideDir says whether path, its symbolic links resolved, is dir or under it.
func insideDir(dir, path string) bool {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	realPath, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(realDir, realPath)
	return err == nil && filepath.IsLocal(rel)
}

// walkFiles lists the regular files under root in lexical order, leaving
// out .git and symbolic links.
func walkFiles(root string, log *logstore.LineWriter) ([]localFile, error) {
	var files []localFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			log.Printf("skip %s (not a regular file)", filepath.ToSlash(rel))
			return nil
		}
		files = append(files, localFile{Name: filepath.ToSlash(rel), Path: p})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list files to publish: %w", err)
	}
	return files, nil
}
