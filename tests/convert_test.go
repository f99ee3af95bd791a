package tests

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/internal/devserver"
	"github.com/drover-ci/drover/workflows"
)

// TestConvertAndPublish runs examples/convert end to end from a signed
// Gitea push (TestTXPublishPath runs tX's whole path from Gogs): the push
// is answered at once with its build, the build converts the files to an
// HTML tarball, and its promotion publishes them with the s3 deploy
// action, with a build_log.json, under u/<owner>/<repo>/<commit:10>/ in a
// real S3 server.
func TestConvertAndPublish(t *testing.T) {
	const secret = "gitea-hook-secret"
	h := newHarness(t, false, func(s *api.Server) {
		s.HookSecrets = map[string]string{api.HookEnvSuffix("convert-demo"): secret}
	})
	srv := h.useS3("convert-site")
	h.startWorker()
	repo, commit := exampleRepo(t, "convert", filepath.Join(t.TempDir(), "alice", "notes"))

	payload := giteaPush(t, repo, commit)
	var created createResp
	require.Equal(t, http.StatusAccepted, h.postHook("convert-demo", "gitea", payload, secret, &created))
	require.Equal(t, contracts.BuildID("convert-demo", commit), created.ID)
	require.Equal(t, workflows.StatusRunning, created.Status)

	// The forge redelivering the push finds the same build.
	var again createResp
	require.Equal(t, http.StatusOK, h.postHook("convert-demo", "gitea", payload, secret, &again))
	require.Equal(t, created.ID, again.ID)
	require.True(t, again.Existing)

	end := h.waitFor(created.ID, 60*time.Second, "build end and its promotion", promoted)
	require.Equal(t, workflows.StatusSucceeded, end.Status, "task output: %s", taskOf(end, "convert", "html").OutputTail)
	require.Equal(t, []string{`setup.md:1: no "# " heading: the page has no title`}, taskOf(end, "convert", "html").Warnings,
		"the build's state shows the task's warnings")
	st := h.waitForPromotion(end.PromotionID, 60*time.Second, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status, "site: %+v", envOf(st, "site"))
	prefix := "u/alice/notes/" + commit[:10] + "/"
	require.Equal(t, "s3://convert-site/"+prefix, envOf(st, "site").Deploy.Outputs["url"])

	index := getObject(t, srv, "convert-site", prefix+"index.html")
	require.Equal(t, "text/html; charset=utf-8", index.ContentType)
	require.Contains(t, index.Body, "<h1>Notes</h1>")
	require.Contains(t, index.Body, "<strong>Markdown</strong>")
	require.Contains(t, index.Body, "&lt;script&gt;")
	setup := getObject(t, srv, "convert-site", prefix+"setup.html")
	require.Contains(t, setup.Body, "<h2>Setup</h2>")

	var buildLog struct {
		BuildID string `json:"build_id"`
		Owner   string `json:"owner"`
		Repo    string `json:"repo"`
		Commit  string `json:"commit"`
		Branch  string `json:"branch"`
		Tasks   []struct {
			Stage, Name, Status string
			Attempt             int
			StartedAt           time.Time `json:"started_at"`
			FinishedAt          time.Time `json:"finished_at"`
			Warnings, Errors    []string
		} `json:"tasks"`
		Files []struct {
			Path, SHA256 string
			Size         int64
		} `json:"files"`
	}
	getJSON(t, srv, "convert-site", prefix+"build_log.json", &buildLog)
	require.Equal(t, created.ID, buildLog.BuildID)
	require.Equal(t, []string{"alice", "notes", commit, "main"}, []string{buildLog.Owner, buildLog.Repo, buildLog.Commit, buildLog.Branch})
	require.Len(t, buildLog.Tasks, 3)
	html := buildLog.Tasks[2]
	require.Equal(t, []string{"convert", "html", "succeeded"}, []string{html.Stage, html.Name, html.Status})
	require.Equal(t, 1, html.Attempt)
	require.False(t, html.FinishedAt.Before(html.StartedAt))
	// convert.sh's "::warning" line for the page without a title heading.
	require.Equal(t, []string{`setup.md:1: no "# " heading: the page has no title`}, html.Warnings)
	require.Empty(t, html.Errors)
	var files []string
	for _, f := range buildLog.Files {
		files = append(files, f.Path)
		require.Len(t, f.SHA256, 64)
	}
	require.Equal(t, []string{"index.html", "setup.html"}, files)

	// The repository's manifest.json is published beside the HTML.
	var manifest struct {
		DublinCore struct{ Identifier string } `json:"dublin_core"`
	}
	getJSON(t, srv, "convert-site", prefix+"manifest.json", &manifest)
	require.Equal(t, "notes", manifest.DublinCore.Identifier)

	// project.json lists the published commit.
	var projectIndex struct {
		Commits []struct {
			Commit, Prefix string
			Warnings       int
		}
	}
	getJSON(t, srv, "convert-site", "u/alice/notes/project.json", &projectIndex)
	require.Len(t, projectIndex.Commits, 1)
	require.Equal(t, []string{commit, prefix}, []string{projectIndex.Commits[0].Commit, projectIndex.Commits[0].Prefix})
	require.Equal(t, 1, projectIndex.Commits[0].Warnings)
}

// exampleRepo commits a copy of examples/<name> into a new git repository
// at dir and returns dir and the commit.
func exampleRepo(t *testing.T, name, dir string) (string, string) {
	t.Helper()
	src := filepath.Join(devserver.RepoRoot(), "examples", name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, info.Mode().Perm())
	})
	require.NoError(t, err)
	git(t, dir, "init", "-q", "-b", "main")
	return dir, commitFiles(t, dir, nil)
}

// giteaPush is Gitea's documented push payload (api/testdata/hooks) for a
// push of commit to main in the repository cloned from cloneURL.
func giteaPush(t *testing.T, cloneURL, commit string) []byte {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join(devserver.RepoRoot(), "api", "testdata", "hooks", "gitea-push.json"))
	require.NoError(t, err)
	quoted, err := json.Marshal(cloneURL)
	require.NoError(t, err)
	return []byte(strings.NewReplacer(
		"__REF__", "refs/heads/main",
		"__AFTER__", commit,
		"__MESSAGE__", "Add notes",
		"__FILE__", "docs/index.md",
		`"__CLONE_URL__"`, string(quoted),
	).Replace(string(tmpl)))
}

// postHook delivers payload to the project's webhook signed as Gitea
// signs it (hex HMAC-SHA256 of the body) and decodes the answer into out.
func (h *harness) postHook(project, forge string, payload []byte, secret string, out any) int {
	h.t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	req, err := http.NewRequest(http.MethodPost, h.api.URL+"/api/v1/hooks/"+project+"/"+forge, bytes.NewReader(payload))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gitea-Event", "push")
	req.Header.Set("X-Gitea-Delivery", "4b1a9a3e-delivery")
	req.Header.Set("X-Gitea-Signature", hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	require.NoError(h.t, json.Unmarshal(data, out), "body: %s", data)
	return resp.StatusCode
}
