package tests

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/internal/devserver"
	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/workflows"
)

// txBuildLog is what the tX test reads of a published build_log.json.
type txBuildLog struct {
	BuildID     string `json:"build_id"`
	BuildStatus string `json:"build_status"`
	Owner       string `json:"owner"`
	Repo        string `json:"repo"`
	Commit      string `json:"commit"`
	Branch      string `json:"branch"`
	Manifest    string `json:"manifest"`
	BuildURL    string `json:"build_url"`
	Warnings    []string
	Errors      []string
	Tasks       []struct {
		Stage, Name, Status string
		Warnings, Errors    []string
	} `json:"tasks"`
	Files []struct{ Path string } `json:"files"`
}

// txProjectIndex is what the tX test reads of project.json.
type txProjectIndex struct {
	Project, Owner, Repo string
	Commits              []struct {
		Commit, Prefix, Branch, Environment string
		BuildStatus                         string `json:"build_status"`
		Warnings, Errors                    int
	}
}

// callbackClient is tX's client of a job: a real HTTP server that keeps
// every event POSTed to it, by build.
type callbackClient struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]contracts.NotifyEvent
}

func newCallbackClient(t *testing.T) *callbackClient {
	c := &callbackClient{got: map[string][]contracts.NotifyEvent{}}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev contracts.NotifyEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.got[ev.WorkflowID] = append(c.got[ev.WorkflowID], ev)
		c.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// wait returns the one event the build's callback got, failing when none
// came within a minute.
func (c *callbackClient) wait(t *testing.T, buildID string) contracts.NotifyEvent {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		c.mu.Lock()
		evs := append([]contracts.NotifyEvent(nil), c.got[buildID]...)
		c.mu.Unlock()
		if len(evs) > 0 {
			require.Len(t, evs, 1, "the callback gets the outcome once")
			return evs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the callback URL got nothing for %s", buildID)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTXPublishPath runs examples/convert along tX's whole path on a real
// Temporal server, a real git repository and a real S3 server (versitygw):
// a signed Gogs push with ?callback_url= is answered at once with the build;
// the build loads and saves the manifest, preprocesses and converts (with
// ::warning:: lines); the callback URL (a real HTTP server) gets the status,
// warnings, errors and links to the logs; the promotion publishes each
// commit under u/<owner>/<repo>/<commit:10>/, pages templated through the
// repository's layout, with build_log.json and manifest.json, and
// project.json lists both commits. A third push whose conversion reports an
// ::error:: fails: the callback and the build say so, nothing is published;
// a fourth without a manifest fails at loading it.
func TestTXPublishPath(t *testing.T) {
	const secret = "gogs-hook-secret"
	h := newHarness(t, false, func(s *api.Server) {
		s.HookSecrets = map[string]string{api.HookEnvSuffix("convert-demo"): secret}
	})
	srv := h.useS3("convert-site")
	h.startWorker()
	client := newCallbackClient(t)
	repo, first := exampleRepo(t, "convert", filepath.Join(t.TempDir(), "alice", "notes"))

	// 1. The first push: answered at once, then published.
	created := h.pushGogs(repo, first, "docs/index.md", secret, client.srv.URL+"/job/1")
	res := h.txPublished(srv, client, created, first)
	require.Equal(t, []string{`setup.md:1: no "# " heading: the page has no title`}, res.buildLog.Tasks[2].Warnings)

	// The build's page shows the warning under its task.
	page := h.getPage("/builds/" + url.PathEscape(created.ID))
	require.Contains(t, page, `data-annotation="warning"`)
	require.Contains(t, page, "no &#34;# &#34; heading: the page has no title")

	// 2. A second commit: a page that no project of the manifest lists
	// (preprocess warns), and a changed index.
	second := commitFiles(t, repo, map[string]string{
		"docs/index.md": "# Notes\n\nSecond edition.\n",
		"docs/draft.md": "# Draft\n\nNot listed in the manifest.\n",
	})
	created2 := h.pushGogs(repo, second, "docs/index.md", secret, client.srv.URL+"/job/2")
	res2 := h.txPublished(srv, client, created2, second)
	require.Contains(t, res2.index, "Second edition.")
	require.Equal(t, []string{"docs/draft.md: not listed in out/manifest.json: not published"}, res2.buildLog.Tasks[1].Warnings)
	require.ElementsMatch(t, []string{
		"preprocess/docs: docs/draft.md: not listed in out/manifest.json: not published",
		`convert/html: setup.md:1: no "# " heading: the page has no title`,
	}, res2.callback.Warnings)

	// project.json lists both commits, newest first; the first commit's
	// pages stay where they were.
	var idx txProjectIndex
	getJSON(t, srv, "convert-site", "u/alice/notes/project.json", &idx)
	require.Equal(t, []string{"convert-demo", "alice", "notes"}, []string{idx.Project, idx.Owner, idx.Repo})
	require.Len(t, idx.Commits, 2)
	require.Equal(t, []string{second, first}, []string{idx.Commits[0].Commit, idx.Commits[1].Commit})
	require.Equal(t, "u/alice/notes/"+second[:10]+"/", idx.Commits[0].Prefix)
	require.Equal(t, "u/alice/notes/"+first[:10]+"/", idx.Commits[1].Prefix)
	require.Equal(t, []int{2, 1}, []int{idx.Commits[0].Warnings, idx.Commits[1].Warnings})
	require.Equal(t, []string{"site", "main", "succeeded"}, []string{idx.Commits[0].Environment, idx.Commits[0].Branch, idx.Commits[0].BuildStatus})
	require.NotContains(t, getObject(t, srv, "convert-site", "u/alice/notes/"+first[:10]+"/index.html").Body, "Second edition.")

	// 3. A conversion that reports an error fails, and says why.
	third := commitFiles(t, repo, map[string]string{"docs/guide/setup.md": "# Setup\n\n```\nPOST /api/v1/hooks/convert-demo/gogs\n"})
	created3 := h.pushGogs(repo, third, "docs/guide/setup.md", secret, client.srv.URL+"/job/3")
	end := h.waitFor(created3.ID, 90*time.Second, "the end", finished)
	require.Equal(t, workflows.StatusFailed, end.Status)
	html := taskOf(end, "convert", "html")
	require.Equal(t, workflows.TaskFailed, html.Status)
	require.Equal(t, []string{"setup.md: unclosed code fence"}, html.Errors, "the build's state shows the error")
	ev := client.wait(t, created3.ID)
	require.Equal(t, "BUILD_COMPLETE", ev.Type)
	require.Equal(t, "failed", ev.Status)
	require.Equal(t, []string{"convert/html: setup.md: unclosed code fence"}, ev.Errors)
	require.Equal(t, txTaskOutcomes(ev), []string{"manifest/load succeeded 0", "preprocess/docs succeeded 0", "convert/html failed 1"})
	log := h.getPage(strings.TrimPrefix(ev.Tasks[2].LogURL, h.api.URL))
	require.Contains(t, log, "conversion failed: 1 file(s) with errors", "the callback links the failed task's log")
	page = h.getPage("/builds/" + url.PathEscape(created3.ID))
	require.Contains(t, page, `data-annotation="error"`)
	require.Contains(t, page, "setup.md: unclosed code fence")
	// Nothing of it is published; project.json still lists the two.
	require.Empty(t, s3Keys(t, srv, "convert-site", "u/alice/notes/"+third[:10]+"/"))
	getJSON(t, srv, "convert-site", "u/alice/notes/project.json", &idx)
	require.Len(t, idx.Commits, 2)

	// 4. Without a manifest the build stops at loading it.
	git(t, repo, "rm", "-q", "manifest.json")
	fourth := commitFiles(t, repo, map[string]string{"docs/guide/setup.md": "# Setup\n"})
	created4 := h.pushGogs(repo, fourth, "manifest.json", secret, client.srv.URL+"/job/4")
	end = h.waitFor(created4.ID, 90*time.Second, "the end", finished)
	require.Equal(t, workflows.StatusFailed, end.Status)
	require.Equal(t, workflows.TaskSkipped, taskOf(end, "convert", "html").Status)
	ev = client.wait(t, created4.ID)
	require.Equal(t, "failed", ev.Status)
	require.Equal(t, []string{"manifest/load: manifest.json: no manifest: the repository must have a manifest.json"}, ev.Errors)
	require.Equal(t, []string{"manifest/load failed 1"}, txTaskOutcomes(ev), "the skipped stages did not run")
}

// txResult is what one published push of the tX test left.
type txResult struct {
	buildLog txBuildLog
	callback contracts.NotifyEvent
	index    string
}

// txPublished waits for the build of commit to succeed and its promotion to
// publish it, and checks what tX's path leaves: the callback, the pages
// (templated), build_log.json and manifest.json under the commit's prefix.
func (h *harness) txPublished(srv *s3test.Server, client *callbackClient, created createResp, commit string) txResult {
	t := h.t
	t.Helper()
	end := h.waitFor(created.ID, 90*time.Second, "build end and its promotion", promoted)
	require.Equal(t, workflows.StatusSucceeded, end.Status, "convert output: %s", taskOf(end, "convert", "html").OutputTail)
	for _, st := range []string{"manifest/load", "preprocess/docs", "convert/html"} {
		stage, task, _ := strings.Cut(st, "/")
		require.Equal(t, workflows.TaskSucceeded, taskOf(end, stage, task).Status, st)
	}
	require.Len(t, taskOf(end, "manifest", "load").Artifacts, 1, "the manifest is saved with the build")

	// The callback: status, warnings, errors and the logs.
	ev := client.wait(t, created.ID)
	require.Equal(t, "BUILD_COMPLETE", ev.Type)
	require.Equal(t, "succeeded", ev.Status)
	require.Equal(t, commit, ev.Commit)
	require.Contains(t, ev.Warnings, `convert/html: setup.md:1: no "# " heading: the page has no title`)
	require.Empty(t, ev.Errors)
	require.Equal(t, h.api.URL+"/builds/"+url.PathEscape(created.ID), ev.LogURL)
	require.Len(t, ev.Tasks, 3)
	log := h.getPage(strings.TrimPrefix(ev.Tasks[2].LogURL, h.api.URL))
	require.Contains(t, log, "converted setup.md", "the callback links each task's log")

	st := h.waitForPromotion(end.PromotionID, 90*time.Second, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status, "site: %+v", envOf(st, "site"))
	prefix := "u/alice/notes/" + commit[:10] + "/"
	require.Equal(t, "s3://convert-site/"+prefix, envOf(st, "site").Deploy.Outputs["url"])

	// The pages went through templates/page.html.
	index := getObject(t, srv, "convert-site", prefix+"index.html")
	require.Equal(t, "text/html; charset=utf-8", index.ContentType)
	require.True(t, strings.HasPrefix(index.Body, "<!DOCTYPE html>"), index.Body)
	require.Contains(t, index.Body, "<h1>Notes</h1>")
	require.Contains(t, index.Body, `<meta name="drover-commit" content="`+commit+`">`)
	require.Contains(t, index.Body, `<a href="build_log.json">build log</a>`)
	require.Contains(t, index.Body, `fetch("../project.json"`)
	setup := getObject(t, srv, "convert-site", prefix+"setup.html")
	require.Contains(t, setup.Body, "<title>setup.html · convert-demo</title>")
	require.Contains(t, setup.Body, "<h2>Setup</h2>")

	var bl txBuildLog
	getJSON(t, srv, "convert-site", prefix+"build_log.json", &bl)
	require.Equal(t, created.ID, bl.BuildID)
	require.Equal(t, []string{"alice", "notes", commit, "main", "succeeded", "manifest.json"},
		[]string{bl.Owner, bl.Repo, commit, bl.Branch, bl.BuildStatus, bl.Manifest})
	require.Equal(t, h.api.URL+"/builds/"+url.PathEscape(created.ID), bl.BuildURL)
	require.Equal(t, ev.Warnings, bl.Warnings, "build_log.json lists the warnings the callback got")
	require.Empty(t, bl.Errors)
	require.Len(t, bl.Tasks, 3)
	require.Equal(t, []string{"manifest", "load", "succeeded"}, []string{bl.Tasks[0].Stage, bl.Tasks[0].Name, bl.Tasks[0].Status})
	require.Equal(t, []string{"convert", "html", "succeeded"}, []string{bl.Tasks[2].Stage, bl.Tasks[2].Name, bl.Tasks[2].Status})
	var files []string
	for _, f := range bl.Files {
		files = append(files, f.Path)
	}
	require.Equal(t, []string{"index.html", "setup.html"}, files)

	var manifest struct {
		DublinCore struct{ Identifier string } `json:"dublin_core"`
	}
	getJSON(t, srv, "convert-site", prefix+"manifest.json", &manifest)
	require.Equal(t, "notes", manifest.DublinCore.Identifier)
	return txResult{buildLog: bl, callback: ev, index: index.Body}
}

// pushGogs delivers Gogs' documented push payload (api/testdata/hooks) of
// commit, signed as Gogs signs it, to the project's webhook with
// ?callback_url=, and checks that the forge is answered at once: 202 with
// the build's id, still running.
func (h *harness) pushGogs(cloneURL, commit, file, secret, callback string) createResp {
	t := h.t
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join(devserver.RepoRoot(), "api", "testdata", "hooks", "gogs-push.json"))
	require.NoError(t, err)
	quoted, err := json.Marshal(cloneURL)
	require.NoError(t, err)
	payload := []byte(strings.NewReplacer(
		"__REF__", "refs/heads/main", "__AFTER__", commit, "__MESSAGE__", "Edit notes", "__FILE__", file,
		`"__CLONE_URL__"`, string(quoted),
	).Replace(string(tmpl)))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	req, err := http.NewRequest(http.MethodPost,
		h.api.URL+"/api/v1/hooks/convert-demo/gogs?callback_url="+url.QueryEscape(callback), bytes.NewReader(payload))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gogs-Event", "push")
	req.Header.Set("X-Gogs-Delivery", "f6266f16-"+commit[:8])
	req.Header.Set("X-Gogs-Signature", hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "body: %s", body)
	var created createResp
	require.NoError(t, json.Unmarshal(body, &created), "body: %s", body)
	require.Equal(t, contracts.BuildID("convert-demo", commit), created.ID)
	require.Equal(t, workflows.StatusRunning, created.Status, "the forge is answered before the build ends")
	require.False(t, created.Existing)
	require.Equal(t, h.api.URL+"/api/v1/builds/"+url.PathEscape(created.ID), created.URL)
	return created
}

// getPage GETs path from the API and returns its body, failing on a
// non-200 answer.
func (h *harness) getPage(path string) string {
	h.t.Helper()
	resp, err := http.Get(h.api.URL + path)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	require.Equal(h.t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, b)
	return string(b)
}

// txTaskOutcomes is each task of a BUILD_COMPLETE as "stage/task status
// errors".
func txTaskOutcomes(ev contracts.NotifyEvent) []string {
	var out []string
	for _, t := range ev.Tasks {
		out = append(out, t.Stage+"/"+t.Task+" "+t.Status+" "+strconv.Itoa(t.Errors))
	}
	return out
}

// s3Keys lists the keys of bucket under prefix.
func s3Keys(t *testing.T, srv *s3test.Server, bucket, prefix string) []string {
	t.Helper()
	out, err := srv.Client(t).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}
