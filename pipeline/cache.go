package pipeline

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Cache is a set of paths kept between a project's builds under a key:
// restored before the task when a build saved it, saved after the task
// succeeds when none was restored.
//
//	cache:
//	  - key: go-{hash:go.sum}          # letters, digits, . _ - and {hash:FILE}
//	    paths: [.cache/go, ~/go/pkg/mod]  # in the workspace, or ~/ in the task's HOME
type Cache struct {
	Key   string   `yaml:"key" json:"key"`
	Paths []string `yaml:"paths" json:"paths"`
}

// Limits of caches.
const (
	// MaxCaches is the most caches of one task.
	MaxCaches = 4
	// MaxCachePaths is the most paths of one cache.
	MaxCachePaths = 16
	// MaxCacheKeyBytes is the longest cache key template.
	MaxCacheKeyBytes = 128
)

// CacheHomePrefix starts a cache path in the task's HOME.
const CacheHomePrefix = "~/"

var (
	cacheLiteralPattern = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)
	cachePlaceholder    = regexp.MustCompile(`\{([^{}]*)\}`)
)

// CacheKeyPart is a piece of a cache key: a literal, or the file whose
// sha256 it stands for ({hash:FILE}, FILE relative to the workspace).
type CacheKeyPart struct {
	Literal  string
	HashFile string
}

// ParseCacheKey splits a cache key template into its parts, or says why it
// is not one.
func ParseCacheKey(key string) ([]CacheKeyPart, error) {
	if strings.TrimSpace(key) == "" {
		return nil, fmt.Errorf("required")
	}
	if len(key) > MaxCacheKeyBytes {
		return nil, fmt.Errorf("longer than %d bytes", MaxCacheKeyBytes)
	}
	var parts []CacheKeyPart
	literal := func(s string) error {
		if s == "" {
			return nil
		}
		if !cacheLiteralPattern.MatchString(s) {
			return fmt.Errorf("invalid key %q: use letters, digits, '.', '_', '-' and {hash:FILE}", key)
		}
		parts = append(parts, CacheKeyPart{Literal: s})
		return nil
	}
	rest := key
	for {
		loc := cachePlaceholder.FindStringSubmatchIndex(rest)
		if loc == nil {
			break
		}
		if err := literal(rest[:loc[0]]); err != nil {
			return nil, err
		}
		inner := rest[loc[2]:loc[3]]
		file, ok := strings.CutPrefix(inner, "hash:")
		switch {
		case !ok:
			return nil, fmt.Errorf("unknown placeholder {%s}: only {hash:FILE} is known", inner)
		case file == "" || path.IsAbs(file):
			return nil, fmt.Errorf("{hash:%s}: FILE must be a path relative to the workspace", file)
		case path.Clean(file) == ".." || strings.HasPrefix(path.Clean(file), "../"):
			return nil, fmt.Errorf("{hash:%s}: FILE must stay inside the workspace (no '..' escape)", file)
		}
		parts = append(parts, CacheKeyPart{HashFile: path.Clean(file)})
		rest = rest[loc[1]:]
	}
	if err := literal(rest); err != nil {
		return nil, err
	}
	return parts, nil
}

// caches checks the caches of the task at field.
func (v *validator) caches(field string, caches []Cache) {
	if len(caches) > MaxCaches {
		v.add(field+".cache", "the number of caches is %d, over the limit of %d", len(caches), MaxCaches)
		return
	}
	keys := map[string]string{}
	for i, c := range caches {
		cf := fmt.Sprintf("%s.cache[%d]", field, i)
		if _, err := ParseCacheKey(c.Key); err != nil {
			v.add(cf+".key", "%v", err)
		}
		v.unique(keys, cf+".key", "cache key", c.Key)
		switch {
		case len(c.Paths) == 0:
			v.add(cf+".paths", "at least one path is required")
		case len(c.Paths) > MaxCachePaths:
			v.add(cf+".paths", "the number of paths is %d, over the limit of %d", len(c.Paths), MaxCachePaths)
		}
		for j, p := range c.Paths {
			pf := fmt.Sprintf("%s.paths[%d]", cf, j)
			if home, ok := strings.CutPrefix(p, CacheHomePrefix); ok {
				v.relativePath(pf, home, "task's HOME")
				if strings.TrimSpace(home) != "" && path.Clean(home) == "." {
					v.add(pf, "must name a directory inside the task's HOME, not HOME itself")
				}
				continue
			}
			v.relativePath(pf, p, "workspace")
			if strings.TrimSpace(p) != "" && path.Clean(p) == "." {
				v.add(pf, "must name a directory inside the workspace, not the workspace itself")
			}
		}
	}
}

// planCaches cleans the paths of caches for the plan.
func planCaches(caches []Cache) []Cache {
	var out []Cache
	for _, c := range caches {
		pc := Cache{Key: c.Key}
		for _, p := range c.Paths {
			if home, ok := strings.CutPrefix(p, CacheHomePrefix); ok {
				pc.Paths = append(pc.Paths, CacheHomePrefix+path.Clean(home))
				continue
			}
			pc.Paths = append(pc.Paths, path.Clean(p))
		}
		out = append(out, pc)
	}
	return out
}
