package pipeline

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

// S3PrefixPlaceholders are the names an S3 deploy's prefix may use as
// {name}; {commit:N} is also known, the first N (1 to 40) characters of the
// commit.
var S3PrefixPlaceholders = []string{"project", "version", "commit", "environment", "owner", "repo"}

var placeholderPattern = regexp.MustCompile(`\{[^{}]*\}`)

// ArtifactName is the artifact the deploy publishes (Artifact, or its older
// name Source), or "" when it publishes a directory.
func (d S3Deploy) ArtifactName() string {
	if d.Artifact != "" {
		return d.Artifact
	}
	return d.Source
}

// ExpandPrefix replaces the {name} placeholders of d.Prefix with vars and
// returns a prefix that is empty or ends with "/". It fails when a
// placeholder has no value (an unknown name, or an owner that cannot be
// derived from the repository).
func (d S3Deploy) ExpandPrefix(vars map[string]string) (string, error) {
	out, err := expandKey(d.Prefix, vars)
	if err != nil {
		return "", fmt.Errorf("prefix %w", err)
	}
	out = strings.TrimLeft(out, "/")
	if out != "" && !strings.HasSuffix(out, "/") {
		out += "/"
	}
	return out, nil
}

// ExpandProjectIndex replaces the placeholders of d.ProjectIndex as
// ExpandPrefix does; "" without one.
func (d S3Deploy) ExpandProjectIndex(vars map[string]string) (string, error) {
	if d.ProjectIndex == "" {
		return "", nil
	}
	out, err := expandKey(d.ProjectIndex, vars)
	if err != nil {
		return "", fmt.Errorf("project_index %w", err)
	}
	out = strings.TrimLeft(out, "/")
	if out == "" || strings.HasSuffix(out, "/") {
		return "", fmt.Errorf("project_index %q: %q is not an object key", d.ProjectIndex, out)
	}
	return out, nil
}

// expandKey replaces the {name} placeholders of key with vars.
func expandKey(key string, vars map[string]string) (string, error) {
	var missing []string
	out := placeholderPattern.ReplaceAllStringFunc(key, func(m string) string {
		name := m[1 : len(m)-1]
		v := vars[name]
		if n, ok := ShortCommitLength(name); ok && n > 0 {
			v = ShortCommit(vars["commit"], n)
		}
		if v == "" {
			missing = append(missing, m)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("%q: no value for %s", key, strings.Join(missing, ", "))
	}
	return out, nil
}

// RepositoryOwnerName returns the last two parts of a repository URL or
// path, without a ".git" suffix: "https://git.example.com/alice/notes.git"
// and "/srv/git/alice/notes" both give "alice", "notes". Either is empty
// when the repository has fewer parts.
func RepositoryOwnerName(repository string) (owner, name string) {
	r := strings.TrimRight(strings.ReplaceAll(repository, "\\", "/"), "/")
	r = strings.TrimSuffix(r, ".git")
	// scp-like "git@host:owner/repo" has the owner after the colon.
	if i := strings.LastIndex(r, ":"); i >= 0 && !strings.Contains(r[i:], "//") {
		r = r[:i] + "/" + r[i+1:]
	}
	parts := strings.Split(r, "/")
	if n := len(parts); n >= 2 {
		owner, name = parts[n-2], parts[n-1]
	} else if n == 1 {
		name = parts[0]
	}
	if owner == "." || owner == ".." || strings.Contains(owner, "@") {
		owner = ""
	}
	if name == "." || name == ".." {
		name = ""
	}
	return owner, name
}

// MaxS3Layouts bounds the layouts of one s3 deploy.
const MaxS3Layouts = 16

func (v *validator) s3Deploy(field string, s S3Deploy) {
	if strings.TrimSpace(s.Bucket) == "" {
		v.add(field+".bucket", "required")
	}
	if s.Artifact != "" && s.Source != "" {
		v.add(field+".source", "is the older name of artifact: set only artifact")
	}
	switch {
	case s.ArtifactName() == "" && s.Path == "":
		v.add(field, "set one of artifact, path")
	case s.ArtifactName() != "" && s.Path != "":
		v.add(field, "set only one of artifact, path; found artifact and path")
	case s.Path != "":
		v.relativePath(field+".path", s.Path, "repository")
	}
	v.s3Key(field+".prefix", s.Prefix, "key prefix")
	if s.ProjectIndex != "" {
		v.s3Key(field+".project_index", s.ProjectIndex, "object key")
		if strings.HasSuffix(s.ProjectIndex, "/") {
			v.add(field+".project_index", "must name an object, not end in '/'")
		}
	}
	for _, ext := range slices.Sorted(maps.Keys(s.ContentTypes)) {
		ct := s.ContentTypes[ext]
		if !strings.HasPrefix(ext, ".") || strings.Contains(ext[1:], "/") {
			v.add(field+".content_types", "key %q must be a file extension starting with '.'", ext)
		}
		if strings.TrimSpace(ct) == "" || strings.ContainsAny(ct, "\r\n") {
			v.add(field+".content_types", "content type of %q must be one non-empty line", ext)
		}
	}
	if strings.ContainsAny(s.CacheControl, "\r\n") {
		v.add(field+".cache_control", "must be one line")
	}
	if len(s.Layouts) > MaxS3Layouts {
		v.add(field+".layouts", "at most %d layouts", MaxS3Layouts)
	}
	for i, l := range s.Layouts {
		lf := fmt.Sprintf("%s.layouts[%d]", field, i)
		if _, err := path.Match(l.Match, ""); err != nil || strings.TrimSpace(l.Match) == "" || strings.Contains(l.Match, "/") {
			v.add(lf+".match", "must be a file name pattern such as \"*.html\"")
		}
		if l.File == "" {
			v.add(lf+".file", "required")
		} else {
			v.relativePath(lf+".file", l.File, "repository")
		}
	}
	if s.Manifest != "" {
		v.relativePath(field+".manifest", s.Manifest, "repository")
		if path.Base(s.Manifest) == "build_log.json" {
			v.add(field+".manifest", "cannot be published as build_log.json, which the deploy writes")
		}
	}
}

// s3Key validates a templated S3 key (or key prefix) of an s3 deploy.
func (v *validator) s3Key(field, key, what string) {
	for _, m := range placeholderPattern.FindAllString(key, -1) {
		if problem := shortCommitProblem(m); problem != "" {
			v.add(field, "%s", problem)
		} else if _, short := ShortCommitLength(m[1 : len(m)-1]); !short && !slices.Contains(S3PrefixPlaceholders, m[1:len(m)-1]) {
			v.add(field, "unknown placeholder %s: use {%s} or {commit:N}", m, strings.Join(S3PrefixPlaceholders, "}, {"))
		}
	}
	if p := placeholderPattern.ReplaceAllString(key, "x"); strings.HasPrefix(p, "/") || slices.Contains(strings.Split(p, "/"), "..") {
		v.add(field, "must be a relative %s without '..'", what)
	} else if strings.ContainsAny(p, "{}") {
		v.add(field, "has an unclosed placeholder")
	}
}
