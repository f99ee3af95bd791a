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
	got, err = S3Deploy{}.ExpandPrefix(vars)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = S3Deploy{Prefix: "{environment}/"}.ExpandPrefix(vars)
	require.ErrorContains(t, err, "no value for {environment}")
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
