package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

// TestS3DeployRendersFilesThroughLayouts: the published HTML goes up
// rendered through the repository's layout (tX's templating deploy), the
// other files as they are; a layout that does not parse publishes nothing.
func TestS3DeployRendersFilesThroughLayouts(t *testing.T) {
	e := newS3Env(t)
	repo := filepath.Join(t.TempDir(), "bob", "docs")
	for name, body := range map[string]string{
		"public/index.html":     "<p>docs &amp; more</p>",
		"public/css/site.css":   "p{}",
		"templates/page.html":   `<html><title>{{.Project}} {{.Version}} {{.Path}}</title><body>{{.Content}}</body><footer>{{.Commit}}</footer></html>`,
		"templates/broken.html": `<html>{{.Content</html>`,
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(repo, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(repo, name), []byte(body), 0o644))
	}
	gitRun(t, repo, "init", "-q", "-b", "main")
	gitRun(t, repo, "add", ".")
	gitRun(t, repo, "commit", "-q", "-m", "docs")
	commit := gitRun(t, repo, "rev-parse", "HEAD")

	in := s3Input("2.0", pipeline.S3Deploy{Bucket: "site", Prefix: "t/", Path: "public",
		Layouts: []pipeline.S3Layout{{Match: "*.html", File: "templates/page.html"}}})
	in.Repository, in.Commit = repo, commit
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, &res))
	body, _ := e.get(t, "t/index.html")
	require.Equal(t, `<html><title>`+in.Project+` 2.0 index.html</title><body><p>docs &amp; more</p></body><footer>`+commit+`</footer></html>`, body)
	body, _ = e.get(t, "t/css/site.css")
	require.Equal(t, "p{}", body, "a file no layout matches goes up as it is")

	in.Deploy.S3 = &pipeline.S3Deploy{Bucket: "site", Prefix: "b/", Path: "public",
		Layouts: []pipeline.S3Layout{{Match: "*.html", File: "templates/broken.html"}}}
	appErr := appError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable(), "%v", appErr)
	require.Contains(t, appErr.Error(), "layout templates/broken.html: template: broken.html:1:")
	require.Empty(t, e.keys(t, "b/"), "nothing is published with a layout that does not parse")

	in.Deploy.S3 = &pipeline.S3Deploy{Bucket: "site", Prefix: "m/", Path: "public",
		Layouts: []pipeline.S3Layout{{Match: "*.html", File: "templates/none.html"}}}
	appErr = appError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	require.Contains(t, appErr.Error(), "layout templates/none.html does not exist at commit "+commit)
	require.Empty(t, e.keys(t, "m/"))
}
