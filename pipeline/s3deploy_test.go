package pipeline

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateS3Deploy(t *testing.T) {
	tests := []struct {
		name string
		s3   string
		want []problem
	}{
		{"artifact", `{bucket: site, artifact: html, prefix: "u/{owner}/{repo}/{commit}/", atomic: true}`, nil},
		{"path with content types", `{bucket: site, path: public, content_types: {".md": text/markdown}, cache_control: "max-age=60"}`, nil},
		{"source is artifact's older name", `{bucket: site, source: html}`, nil},
		{"no bucket", `{artifact: html}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.bucket", "required"}}},
		{"neither artifact nor path", `{bucket: site}`, []problem{{8, 0, "promotion.environments[0].deploy.s3", "set one of artifact, path"}}},
		{"both artifact and path", `{bucket: site, artifact: html, path: public}`, []problem{{8, 0, "promotion.environments[0].deploy.s3", "set only one of artifact, path"}}},
		{"artifact and source", `{bucket: site, artifact: html, source: html}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.source", "older name of artifact"}}},
		{"path escapes", `{bucket: site, path: ../up}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.path", "must stay inside the repository"}}},
		{"unknown placeholder", `{bucket: site, artifact: a, prefix: "x/{branch}/"}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.prefix", "unknown placeholder {branch}"}}},
		{"short commit", `{bucket: site, artifact: a, prefix: "u/{owner}/{repo}/{commit:10}/{commit:1}-{commit:40}"}`, nil},
		{"short commit of 0", `{bucket: site, artifact: a, prefix: "u/{commit:0}/"}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.prefix", "placeholder {commit:0}: the short commit's length must be 1 to 40"}}},
		{"short commit of 41", `{bucket: site, artifact: a, prefix: "u/{commit:41}/"}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.prefix", "placeholder {commit:41}: the short commit's length must be 1 to 40"}}},
		{"short commit not a number", `{bucket: site, artifact: a, prefix: "u/{commit:x}/"}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.prefix", "unknown placeholder {commit:x}"}}},
		{"manifest", `{bucket: site, artifact: a, manifest: manifest.json}`, nil},
		{"manifest escapes", `{bucket: site, artifact: a, manifest: ../manifest.json}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.manifest", "must stay inside the repository"}}},
		{"manifest named build_log.json", `{bucket: site, artifact: a, manifest: meta/build_log.json}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.manifest", "cannot be published as build_log.json"}}},
		{"layouts", `{bucket: site, path: public, layouts: [{match: "*.html", file: templates/page.html}]}`, nil},
		{"layout escapes", `{bucket: site, path: public, layouts: [{match: "*.html", file: ../page.html}]}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.layouts[0].file", "must stay inside the repository"}}},
		{"layout without file", `{bucket: site, path: public, layouts: [{match: "*.html"}]}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.layouts[0].file", "required"}}},
		{"layout with a bad pattern", `{bucket: site, path: public, layouts: [{match: "[", file: t.html}]}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.layouts[0].match", "must be a file name pattern"}}},
		{"project index", `{bucket: site, artifact: a, project_index: "u/{owner}/{repo}/project.json"}`, nil},
		{"project index of a prefix", `{bucket: site, artifact: a, project_index: "u/{owner}/"}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.project_index", "must name an object"}}},
		{"project index placeholder", `{bucket: site, artifact: a, project_index: "u/{branch}/p.json"}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.project_index", "unknown placeholder {branch}"}}},
		{"project index escapes", `{bucket: site, artifact: a, project_index: "../p.json"}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.project_index", "relative object key"}}},
		{"absolute prefix", `{bucket: site, artifact: a, prefix: "/x/"}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.prefix", "relative key prefix"}}},
		{"content type key", `{bucket: site, artifact: a, content_types: {md: text/markdown}}`, []problem{{8, 0, "promotion.environments[0].deploy.s3.content_types", `key "md" must be a file extension`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("drover.yaml", []byte(withBuild(`
promotion:
  environments:
    - name: site
      deploy:
        s3: `+tt.s3)))
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			requireProblems(t, err, tt.want...)
		})
	}
}

func TestS3ExpandPrefix(t *testing.T) {
	vars := map[string]string{"owner": "alice", "repo": "notes", "commit": "abc", "version": "1.0"}
	got, err := S3Deploy{Prefix: "u/{owner}/{repo}/{commit}"}.ExpandPrefix(vars)
	require.NoError(t, err)
	require.Equal(t, "u/alice/notes/abc/", got)
	got, err = S3Deploy{Prefix: "u/{commit:2}/{commit:40}/{commit:1}"}.ExpandPrefix(vars)
	require.NoError(t, err)
	require.Equal(t, "u/ab/abc/a/", got, "a short commit longer than the commit is the commit")
	got, err = S3Deploy{}.ExpandPrefix(vars)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = S3Deploy{Prefix: "{environment}/"}.ExpandPrefix(vars)
	require.ErrorContains(t, err, "no value for {environment}")
	got, err = S3Deploy{ProjectIndex: "/u/{owner}/{repo}/project.json"}.ExpandProjectIndex(vars)
	require.NoError(t, err)
	require.Equal(t, "u/alice/notes/project.json", got)
	got, err = S3Deploy{}.ExpandProjectIndex(vars)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestShortCommit(t *testing.T) {
	commit := "0123456789abcdef0123456789abcdef01234567"
	for name, want := range map[string]int{"commit:10": 10, "commit:1": 1, "commit:40": 40, "commit:0": 0, "commit:41": 0, "commit:99999999999999999999": 0} {
		n, ok := ShortCommitLength(name)
		require.True(t, ok, name)
		require.Equal(t, want, n, name)
	}
	for _, name := range []string{"commit", "commit:", "commit:x", "version:3", "commit:-1"} {
		_, ok := ShortCommitLength(name)
		require.False(t, ok, name)
	}
	require.Equal(t, "0123456789", ShortCommit(commit, 10))
	require.Equal(t, commit, ShortCommit(commit, 40))
}

func TestRepositoryOwnerName(t *testing.T) {
	for repo, want := range map[string][2]string{
		"https://git.example.com/alice/notes.git": {"alice", "notes"},
		"/srv/git/alice/notes/":                   {"alice", "notes"},
		"git@github.com:alice/notes.git":          {"alice", "notes"},
		"notes":                                   {"", "notes"},
	} {
		owner, name := RepositoryOwnerName(repo)
		require.Equal(t, want, [2]string{owner, name}, repo)
	}
}
