package activities

import (
	"archive/tar"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// DefaultCacheMaxBytes bounds the caches of one project and trust scope
// together (and so any one entry) when the worker sets no
// DROVER_CACHE_MAX_BYTES.
const DefaultCacheMaxBytes = 2 << 30

// Cache scopes: caches saved by builds that received the project's secrets
// (trusted branches) are never read by the others, and the reverse, so a
// build of an untrusted branch cannot poison a trusted branch's build.
const (
	CacheScopeTrusted   = "trusted"
	CacheScopeUntrusted = "untrusted"
)

// Archive roots of a cache: paths in the workspace, and in the task's HOME.
const (
	cacheWorkspaceDir = "w"
	cacheHomeDir      = "h"
	// cacheTmpDir is where an archive is unpacked before its paths move into
	// place, inside the workspace (or HOME): a corrupt archive leaves nothing.
	cacheTmpDir = ".drover-cache-restore"
)

// CacheKeyPrefix is the blob key prefix of a project's caches in a scope:
// "caches/<project>/<scope>/".
func CacheKeyPrefix(project, scope string) string {
	return "caches/" + project + "/" + scope + "/"
}

// taskCache is one cache of a task attempt.
type taskCache struct {
	spec    pipeline.Cache
	key     string // expanded
	blobKey string
	save    bool // saved if the task succeeds: it was not restored
}

func (a *Activities) cacheMaxBytes() int64 {
	return cmp.Or(a.CacheMaxBytes, DefaultCacheMaxBytes)
}

func cacheScope(secretsAllowed bool) string {
	if secretsAllowed {
		return CacheScopeTrusted
	}
	return CacheScopeUntrusted
}

// cacheHome is the task's HOME for caches with paths in it: a directory of
// the attempt next to its workspace, "" when no cache needs one.
func cacheHome(in RunTaskInput, workspace string) string {
	for _, c := range in.Task.Caches {
		for _, p := range c.Paths {
			if strings.HasPrefix(p, pipeline.CacheHomePrefix) {
				return workspace + ".home"
			}
		}
	}
	return ""
}

// restoreCaches restores the task's caches into workspace and home. Nothing
// here fails the task: a key that cannot be computed, a miss, a store that
// fails or a corrupt archive is written to the log and the task goes on.
func (a *Activities) restoreCaches(ctx context.Context, in RunTaskInput, workspace, home string, log *logstore.LineWriter) []taskCache {
	if a.CacheMaxBytes < 0 && len(in.Task.Caches) > 0 {
		log.Printf("=== caches are off on this worker (DROVER_CACHE_MAX_BYTES) ===")
		return nil
	}
	var out []taskCache
	for _, c := range in.Task.Caches {
		key, err := expandCacheKey(workspace, c.Key)
		if err != nil {
			log.Printf("=== cache %s: %v; not restored or saved ===", c.Key, err)
			continue
		}
		tc := taskCache{spec: c, key: key, blobKey: CacheKeyPrefix(in.Project, cacheScope(in.SecretsAllowed)) + key + ".tar.gz"}
		rc, err := a.Blobs.Get(ctx, tc.blobKey)
		switch {
		case errors.Is(err, blobstore.ErrNotFound):
			log.Printf("=== cache %s: miss ===", key)
			tc.save = true
		case err != nil:
			log.Printf("=== cache %s: cannot be read (%v); not restored ===", key, err)
		default:
			n, err := restoreArchive(rc, workspace, home, c.Paths, a.cacheMaxBytes())
			_ = rc.Close()
			if err != nil {
				log.Printf("=== cache %s: unusable, ignored (%v) ===", key, err)
				tc.save = true
				break
			}
			log.Printf("=== cache %s: restored (%d bytes) ===", key, n)
		}
		out = append(out, tc)
	}
	return out
}

// saveCaches saves the caches that were not restored, once the task has
// succeeded, then evicts the project's oldest caches of the scope past the
// size limit. Failures are logged only.
func (a *Activities) saveCaches(ctx context.Context, in RunTaskInput, workspace, home string, caches []taskCache, log *logstore.LineWriter) {
	for _, tc := range caches {
		if !tc.save || ctx.Err() != nil {
			continue
		}
		n, err := a.saveCache(ctx, tc, workspace, home)
		switch {
		case errors.Is(err, errCacheEmpty):
			log.Printf("=== cache %s: none of its paths exist; not saved ===", tc.key)
			continue
		case err != nil:
			log.Printf("=== cache %s: not saved (%v) ===", tc.key, err)
			continue
		}
		log.Printf("=== cache %s: saved (%d bytes) ===", tc.key, n)
		if evicted, err := a.evictCaches(ctx, CacheKeyPrefix(in.Project, cacheScope(in.SecretsAllowed)), tc.blobKey); err != nil {
			log.Printf("=== cache eviction failed (%v) ===", err)
		} else if evicted > 0 {
			log.Printf("=== cache: %d older entries evicted (limit %d bytes) ===", evicted, a.cacheMaxBytes())
		}
	}
}

var errCacheEmpty = errors.New("no path of the cache exists")

func (a *Activities) saveCache(ctx context.Context, tc taskCache, workspace, home string) (int64, error) {
	tmp, err := os.CreateTemp(a.DataDir, "cache-*.tar.gz")
	if err != nil {
		return 0, err
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	limited := &limitWriter{w: tmp, left: a.cacheMaxBytes()}
	files, err := writeArchive(limited, workspace, home, tc.spec.Paths)
	if err != nil {
		return 0, err
	}
	if files == 0 {
		return 0, errCacheEmpty
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	obj, err := a.Blobs.Put(ctx, tc.blobKey, tmp)
	if err != nil {
		return 0, err
	}
	return obj.Size, nil
}

// evictCaches deletes the oldest entries under prefix until the rest fit in
// the size limit; keep is never deleted.
func (a *Activities) evictCaches(ctx context.Context, prefix, keep string) (int, error) {
	pruner, ok := a.Blobs.(blobstore.Pruner)
	if !ok {
		return 0, nil
	}
	entries, err := pruner.List(ctx, prefix)
	if err != nil {
		return 0, err
	}
	slices.SortFunc(entries, func(x, y blobstore.Entry) int {
		if x.Key == keep || y.Key == keep {
			return cmp.Compare(boolInt(y.Key == keep), boolInt(x.Key == keep))
		}
		return y.Modified.Compare(x.Modified) // newest first
	})
	var total int64
	evicted := 0
	for _, e := range entries {
		total += e.Size
		if total <= a.cacheMaxBytes() || e.Key == keep {
			continue
		}
		if err := pruner.Delete(ctx, e.Key); err != nil {
			return evicted, err
		}
		evicted++
	}
	return evicted, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// expandCacheKey replaces each {hash:FILE} of key by the start of the
// sha256 of FILE in the workspace.
func expandCacheKey(workspace, key string) (string, error) {
	parts, err := pipeline.ParseCacheKey(key)
	if err != nil {
		return "", err
	}
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return "", err
	}
	defer func() { _ = root.Close() }()
	var b strings.Builder
	for _, p := range parts {
		if p.HashFile == "" {
			b.WriteString(p.Literal)
			continue
		}
		f, err := root.Open(p.HashFile)
		if err != nil {
			return "", fmt.Errorf("cannot hash %s: %w", p.HashFile, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		_ = f.Close()
		if err != nil {
			return "", fmt.Errorf("cannot hash %s: %w", p.HashFile, err)
		}
		b.WriteString(hex.EncodeToString(h.Sum(nil))[:32])
	}
	return b.String(), nil
}

// cacheRoot splits a cache path into its archive root and its path there.
func cacheRoot(p string) (dir, rel string) {
	if rest, ok := strings.CutPrefix(p, pipeline.CacheHomePrefix); ok {
		return cacheHomeDir, rest
	}
	return cacheWorkspaceDir, p
}

// writeArchive writes the paths of a cache as a gzipped tar to w: regular
// files, directories and symlinks (as links), read through an os.Root of
// the workspace (or HOME) so that a symlink the script made cannot bring
// the worker's files into the cache. It returns how many entries it wrote.
func writeArchive(w io.Writer, workspace, home string, paths []string) (int, error) {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	n := 0
	for _, p := range paths {
		dir, rel := cacheRoot(p)
		base := workspace
		if dir == cacheHomeDir {
			base = home
		}
		root, err := os.OpenRoot(base)
		if err != nil {
			return n, err
		}
		err = fs.WalkDir(root.FS(), rel, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && name == rel {
					return fs.SkipAll
				}
				return err
			}
			info, err := root.Lstat(name)
			if err != nil {
				return err
			}
			link := ""
			if info.Mode()&fs.ModeSymlink != 0 {
				if link, err = root.Readlink(name); err != nil {
					return err
				}
			} else if !info.Mode().IsRegular() && !info.IsDir() {
				return nil // sockets, devices, pipes: not cached
			}
			hdr, err := tar.FileInfoHeader(info, link)
			if err != nil {
				return err
			}
			hdr.Name = dir + "/" + name
			hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			n++
			if !info.Mode().IsRegular() {
				return nil
			}
			f, err := root.Open(name)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, f)
			_ = f.Close()
			return err
		})
		_ = root.Close()
		if err != nil {
			return n, err
		}
	}
	if err := tw.Close(); err != nil {
		return n, err
	}
	return n, gz.Close()
}

// restoreArchive unpacks the cache archive r, which anyone who could write
// the cache wrote: only entries inside the cache's own paths are taken,
// written through an os.Root (no entry, link or "..", can lead out of the
// workspace or HOME), at most limit bytes in all. It unpacks into a
// temporary directory and moves each path into place only when the whole
// archive was read, and never over a path that exists already. It returns
// the bytes unpacked.
func restoreArchive(r io.Reader, workspace, home string, paths []string, limit int64) (int64, error) {
	roots := map[string]*os.Root{}
	defer func() {
		for _, root := range roots {
			_ = root.RemoveAll(cacheTmpDir)
			_ = root.Close()
		}
	}()
	for dir, base := range map[string]string{cacheWorkspaceDir: workspace, cacheHomeDir: home} {
		if base == "" {
			continue
		}
		root, err := os.OpenRoot(base)
		if err != nil {
			return 0, err
		}
		_ = root.RemoveAll(cacheTmpDir)
		if err := root.Mkdir(cacheTmpDir, 0o755); err != nil {
			_ = root.Close()
			return 0, err
		}
		roots[dir] = root
	}
	allowed := func(dir, rel string) bool {
		for _, p := range paths {
			d, r := cacheRoot(p)
			if d == dir && (rel == r || strings.HasPrefix(rel, r+"/")) {
				return true
			}
		}
		return false
	}

	gz, err := gzip.NewReader(r)
	if err != nil {
		return 0, err
	}
	tr := tar.NewReader(gz)
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return total, err
		}
		dir, rel, ok := strings.Cut(hdr.Name, "/")
		root := roots[dir]
		if !ok || root == nil || rel == "" || path.IsAbs(rel) || path.Clean(rel) != strings.TrimSuffix(rel, "/") ||
			rel == ".." || strings.HasPrefix(rel, "../") || !allowed(dir, path.Clean(rel)) {
			return total, fmt.Errorf("entry %q is outside the cache's paths", hdr.Name)
		}
		name := cacheTmpDir + "/" + path.Clean(rel)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(name, 0o755); err != nil {
				return total, err
			}
		case tar.TypeReg:
			if total += hdr.Size; total > limit {
				return total, fmt.Errorf("over %d bytes", limit)
			}
			if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
				return total, err
			}
			f, err := root.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, hdr.FileInfo().Mode().Perm()|0o600)
			if err != nil {
				return total, err
			}
			_, err = io.CopyN(f, tr, hdr.Size)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return total, err
			}
		case tar.TypeSymlink:
			if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
				return total, err
			}
			if err := root.Symlink(hdr.Linkname, name); err != nil {
				return total, err
			}
		default:
			return total, fmt.Errorf("entry %q: type %q is not cached", hdr.Name, hdr.Typeflag)
		}
	}
	// The whole archive is read (and its gzip checksum checked): move it in.
	for _, p := range paths {
		dir, rel := cacheRoot(p)
		root := roots[dir]
		if root == nil {
			continue
		}
		if _, err := root.Lstat(cacheTmpDir + "/" + rel); err != nil {
			continue // not in the archive
		}
		if _, err := root.Lstat(rel); err == nil {
			continue // the checkout has it: not replaced
		}
		if parent := path.Dir(rel); parent != "." {
			if err := root.MkdirAll(parent, 0o755); err != nil {
				return total, err
			}
		}
		if err := root.Rename(cacheTmpDir+"/"+rel, rel); err != nil {
			return total, err
		}
	}
	return total, nil
}

// limitWriter fails once more than left bytes are written.
type limitWriter struct {
	w    io.Writer
	left int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.left {
		return 0, fmt.Errorf("the archive is over the cache size limit")
	}
	l.left -= int64(len(p))
	return l.w.Write(p)
}
