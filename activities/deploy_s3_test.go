package activities_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// recordingS3 passes calls on to a real client and records the keys put,
// and what <watch> held in the bucket just before each put.
type recordingS3 struct {
	activities.S3Client
	watch string

	mu      sync.Mutex
	puts    []string
	watched []string // the content of the watched key before each put ("" when absent)
}

func (r *recordingS3) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	seen := ""
	if r.watch != "" {
		if obj, err := r.S3Client.GetObject(ctx, &s3.GetObjectInput{Bucket: in.Bucket, Key: aws.String(r.watch)}); err == nil {
			b, _ := io.ReadAll(obj.Body)
			_ = obj.Body.Close()
			seen = string(b)
		}
	}
	r.mu.Lock()
	r.puts = append(r.puts, aws.ToString(in.Key))
	r.watched = append(r.watched, seen)
	r.mu.Unlock()
	return r.S3Client.PutObject(ctx, in, opts...)
}

func (r *recordingS3) reset() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	puts, watched := r.puts, r.watched
	r.puts, r.watched = nil, nil
	return puts, watched
}

// s3Env is a versitygw with a bucket "site" and promotion activities that
// publish to it, over a real ledger.
type s3Env struct {
	srv    *s3test.Server
	client *s3.Client
	rec    *recordingS3
	pa     *activities.PromotionActivities
	ledger *ledger.Ledger
}

func newS3Env(t *testing.T) *s3Env {
	t.Helper()
	srv := s3test.Start(t)
	srv.Bucket(t, "site")
	ldg, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { ldg.Close() })
	e := &s3Env{srv: srv, client: srv.Client(t), ledger: ldg}
	e.rec = &recordingS3{S3Client: activities.NewLazyS3(srv.Config())}
	e.pa = activities.NewPromotionActivities(newActivities(t), &fakeTemporal{}, &fakeCallbacks{}, ldg, "")
	e.pa.S3 = e.rec
	return e
}

// get returns an object's body and headers, or fails the test.
func (e *s3Env) get(t *testing.T, key string) (string, *s3.GetObjectOutput) {
	t.Helper()
	obj, err := e.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String(key)})
	require.NoError(t, err, key)
	defer obj.Body.Close()
	b, err := io.ReadAll(obj.Body)
	require.NoError(t, err)
	return string(b), obj
}

func (e *s3Env) keys(t *testing.T, prefix string) []string {
	t.Helper()
	out, err := e.client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("site"), Prefix: aws.String(prefix)})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// tarGz packs files (name → content) as `tar -czf x.tar.gz -C dir .` does.
func tarGz(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}))
	for name, content := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(content))}))
		_, err := tw.Write([]byte(content))
		require.NoError(t, err)
	}
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}))
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.String()
}

// siteVersion records version of project "site" in the ledger, built by a
// build of two tasks, with a tarball artifact of files.
func (e *s3Env) siteVersion(t *testing.T, version string, files map[string]string) []activities.ArtifactRef {
	t.Helper()
	ctx := context.Background()
	ref := putArtifact(t, e.pa, "html-"+version+".tar.gz", tarGz(t, files))
	ref.Name, ref.Path = "html", "dist/html.tar.gz"
	buildID, start := "build/site/"+version, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b := ledger.Build{ID: buildID, RunID: "run-" + version, Project: "site", Repository: "/srv/git/alice/notes",
		Commit: "c0ffee" + version, Branch: "main", StartedAt: start}
	require.NoError(t, e.ledger.RecordBuildStarted(ctx, b))
	zero, end := 0, start.Add(time.Minute)
	b.Status, b.FinishedAt = "succeeded", &end
	require.NoError(t, e.ledger.RecordBuildFinished(ctx, b, []ledger.Task{
		{BuildID: buildID, RunID: b.RunID, Stage: "test", Name: "unit", Status: "succeeded", Attempt: 2, ExitCode: &zero, StartedAt: &start, FinishedAt: &end},
		{BuildID: buildID, RunID: b.RunID, Stage: "package", Name: "html", StageIndex: 1, Status: "succeeded", Attempt: 1, ExitCode: &zero, StartedAt: &start, FinishedAt: &end,
			Warnings: []string{"guide.md: no title"}, Errors: []string{"raw/notes.md:1: unclosed *"}},
	}))
	require.NoError(t, e.ledger.RecordArtifactVersion(ctx, ledger.ArtifactVersion{
		Project: "site", Version: version, Commit: b.Commit, Branch: "main", BuildID: buildID, RunID: b.RunID,
		Artifacts: []ledger.Artifact{{Name: ref.Name, Path: ref.Path, Key: ref.Key, SHA256: ref.SHA256, Size: ref.Size}},
	}))
	return []activities.ArtifactRef{ref}
}

func s3Input(version string, spec pipeline.S3Deploy) activities.DeployInput {
	return activities.DeployInput{
		PromotionID: "promote/site/" + version, RunID: "run-1", Project: "site", Environment: "prod",
		Version: version, Commit: "c0ffee" + version, Repository: "/srv/git/alice/notes.git",
		Deploy: pipeline.Deploy{S3: &spec},
	}
}

type buildLogJSON struct {
	Project, Version, Commit, Branch, Owner, Repo, Environment string
	BuildID                                                    string `json:"build_id"`
	BuildStatus                                                string `json:"build_status"`
	Prefix                                                     string
	PublishedAt                                                time.Time `json:"published_at"`
	BuildURL                                                   string    `json:"build_url"`
	Warnings, Errors                                           []string
	Tasks                                                      []struct {
		Stage, Name, Status string
		Attempt             int
		StartedAt           *time.Time `json:"started_at"`
		FinishedAt          *time.Time `json:"finished_at"`
		Warnings, Errors    []string
	}
	Files []struct {
		Path, SHA256 string
		Size         int64
		ContentType  string `json:"content_type"`
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestS3DeployArtifactTarball(t *testing.T) {
	e := newS3Env(t)
	files := map[string]string{"index.html": "<h1>Notes</h1>", "guide/setup.html": "<h2>Setup</h2>", "raw/notes.md": "# Notes", "api/v.json": `{"v":1}`}
	in := s3Input("1.0", pipeline.S3Deploy{Bucket: "site", Prefix: "u/{owner}/{repo}/{commit}", Artifact: "html",
		ContentTypes: map[string]string{".md": "text/markdown"}, CacheControl: "max-age=60"})
	in.Artifacts = e.siteVersion(t, "1.0", files)

	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, &res))
	prefix := "u/alice/notes/c0ffee1.0/"
	require.Equal(t, map[string]string{"url": "s3://site/" + prefix, "bucket": "site", "prefix": prefix, "release": prefix,
		"version": "1.0", "files": "4"}, res.Outputs)
	require.ElementsMatch(t, []string{prefix + "index.html", prefix + "guide/setup.html", prefix + "raw/notes.md",
		prefix + "api/v.json", prefix + "build_log.json"}, e.keys(t, "u/"), "the symbolic link is not published")

	for name, ct := range map[string]string{"index.html": "text/html; charset=utf-8", "raw/notes.md": "text/markdown", "api/v.json": "application/json"} {
		body, obj := e.get(t, prefix+name)
		require.Equal(t, files[name], body)
		require.Equal(t, ct, aws.ToString(obj.ContentType), name)
		require.Equal(t, "max-age=60", aws.ToString(obj.CacheControl), name)
	}

	body, _ := e.get(t, prefix+"build_log.json")
	var bl buildLogJSON
	require.NoError(t, json.Unmarshal([]byte(body), &bl), body)
	require.Equal(t, []string{"site", "1.0", "c0ffee1.0", "main", "alice", "notes", "prod", "build/site/1.0", "succeeded", prefix},
		[]string{bl.Project, bl.Version, bl.Commit, bl.Branch, bl.Owner, bl.Repo, bl.Environment, bl.BuildID, bl.BuildStatus, bl.Prefix})
	require.Len(t, bl.Tasks, 2)
	require.Equal(t, []string{"test", "unit", "succeeded"}, []string{bl.Tasks[0].Stage, bl.Tasks[0].Name, bl.Tasks[0].Status})
	require.Equal(t, 2, bl.Tasks[0].Attempt)
	require.NotNil(t, bl.Tasks[0].StartedAt)
	require.NotNil(t, bl.Tasks[0].FinishedAt)
	require.Equal(t, "html", bl.Tasks[1].Name)
	require.Empty(t, bl.Tasks[0].Warnings)
	require.Equal(t, []string{"guide.md: no title"}, bl.Tasks[1].Warnings, "the task's warnings and errors, kept by the ledger")
	require.Equal(t, []string{"raw/notes.md:1: unclosed *"}, bl.Tasks[1].Errors)
	require.Equal(t, []string{"package/html: guide.md: no title"}, bl.Warnings, "every task's, as a callback gets them")
	require.Equal(t, []string{"package/html: raw/notes.md:1: unclosed *"}, bl.Errors)
	require.Len(t, bl.Files, 4)
	for _, f := range bl.Files {
		require.Equal(t, sha(files[f.Path]), f.SHA256, f.Path)
		require.Equal(t, int64(len(files[f.Path])), f.Size, f.Path)
	}
	require.False(t, bl.PublishedAt.IsZero())

	log := readKey(t, e.pa, res.LogKey)
	require.Contains(t, log, "put "+prefix+"raw/notes.md (7 bytes, text/markdown)")
	require.Contains(t, log, "published 4 files to s3://site/"+prefix)

	// A retried deploy overwrites the same objects.
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, &res))
	require.Len(t, e.keys(t, "u/"), 5)
}

func TestS3DeploySingleFileArtifact(t *testing.T) {
	e := newS3Env(t)
	in := s3Input("1.0", pipeline.S3Deploy{Bucket: "site", Prefix: "{project}/{environment}/", Source: "report"})
	ref := putArtifact(t, e.pa, "report", "lint: ok\n")
	ref.Path = "out/report.txt"
	in.Artifacts = []activities.ArtifactRef{ref}
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	body, obj := e.get(t, "site/prod/report.txt")
	require.Equal(t, "lint: ok\n", body)
	require.Equal(t, "text/plain; charset=utf-8", aws.ToString(obj.ContentType))
	body, _ = e.get(t, "site/prod/build_log.json")
	require.Contains(t, body, `"tasks": []`, "a version the ledger does not know has no tasks")
}

func TestS3DeployDirectoryFromCheckout(t *testing.T) {
	e := newS3Env(t)
	repo := filepath.Join(t.TempDir(), "bob", "docs")
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "public", "css"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "public", "index.html"), []byte("<p>docs</p>"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "public", "css", "site.css"), []byte("p{}"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "README"), []byte("not published"), 0o644))
	const manifest = `{"dublin_core": {"identifier": "docs"}}`
	require.NoError(t, os.WriteFile(filepath.Join(repo, "manifest.json"), []byte(manifest), 0o644))
	gitRun(t, repo, "init", "-q", "-b", "main")
	gitRun(t, repo, "add", ".")
	gitRun(t, repo, "commit", "-q", "-m", "docs")
	commit := gitRun(t, repo, "rev-parse", "HEAD")

	in := s3Input("2.0", pipeline.S3Deploy{Bucket: "site", Prefix: "u/{owner}/{repo}/{commit:10}/", Path: "public", Manifest: "manifest.json"})
	in.Repository, in.Commit = repo, commit
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, &res))
	prefix := "u/bob/docs/" + commit[:10] + "/"
	require.Equal(t, []string{prefix + "build_log.json", prefix + "css/site.css", prefix + "index.html", prefix + "manifest.json"}, e.keys(t, "u/"))
	_, obj := e.get(t, prefix+"css/site.css")
	require.Equal(t, "text/css; charset=utf-8", aws.ToString(obj.ContentType))
	require.Equal(t, "2", res.Outputs["files"])
	body, obj := e.get(t, prefix+"manifest.json")
	require.Equal(t, manifest, body, "the repository's manifest, beside the files")
	require.Equal(t, "application/json", aws.ToString(obj.ContentType))
	body, _ = e.get(t, prefix+"build_log.json")
	var bl map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &bl))
	require.Equal(t, "manifest.json", bl["manifest"])

	// A manifest missing at the commit fails the deploy for good.
	in.Deploy.S3 = &pipeline.S3Deploy{Bucket: "site", Prefix: "m/", Path: "public", Manifest: "meta/manifest.json"}
	appErr := appError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable(), "%v", appErr)
	require.Contains(t, appErr.Error(), "manifest meta/manifest.json does not exist at commit "+commit)
	require.Empty(t, e.keys(t, "m/"), "nothing is published without the manifest")
	in.Deploy.S3 = &pipeline.S3Deploy{Bucket: "site", Prefix: "u/{owner}/{repo}/{commit:10}/", Path: "public"}

	// A path through a symbolic link out of the checkout publishes nothing.
	outside := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(outside, ".aws"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, ".aws", "credentials"), []byte("secret"), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(repo, "escape")))
	gitRun(t, repo, "add", ".")
	gitRun(t, repo, "commit", "-q", "-m", "link")
	in.Commit = gitRun(t, repo, "rev-parse", "HEAD")
	in.Deploy.S3 = &pipeline.S3Deploy{Bucket: "site", Prefix: "x/", Path: "escape/.aws"}
	appErr = appError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable(), "%v", appErr)
	require.Contains(t, appErr.Error(), "leads out of the repository")
	require.Empty(t, e.keys(t, "x/"))
}

// pointer reads <prefix>current.json.
func (e *s3Env) pointer(t *testing.T, prefix string) map[string]string {
	t.Helper()
	body, obj := e.get(t, prefix+"current.json")
	require.Equal(t, "no-cache", aws.ToString(obj.CacheControl))
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	return map[string]string{"version": p["version"].(string), "path": p["path"].(string), "key": p["key"].(string)}
}

func TestS3DeployAtomicReleasesAndRollback(t *testing.T) {
	e := newS3Env(t)
	e.rec.watch = "prod/current.json"
	spec := pipeline.S3Deploy{Bucket: "site", Prefix: "prod/", Artifact: "html", Atomic: true}
	v1 := s3Input("1.0", spec)
	v1.Artifacts = e.siteVersion(t, "1.0", map[string]string{"index.html": "v1", "api/a.json": "{}"})
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, v1, &res))
	require.Equal(t, "prod/.releases/1.0/", res.Outputs["release"])
	puts, watched := e.rec.reset()
	require.Equal(t, []string{"prod/.releases/1.0/api/a.json", "prod/.releases/1.0/index.html", "prod/.releases/1.0/build_log.json",
		"prod/current.json", "prod/index.html"}, puts, "the pointer is written after every file of the release")
	require.Equal(t, []string{"", "", "", ""}, watched[:4], "no pointer before the release is whole")
	require.Equal(t, map[string]string{"version": "1.0", "path": ".releases/1.0/", "key": "prod/.releases/1.0/"}, e.pointer(t, "prod/"))
	page, obj := e.get(t, "prod/index.html")
	require.Contains(t, page, `url=.releases/1.0/index.html`)
	require.Equal(t, "text/html; charset=utf-8", aws.ToString(obj.ContentType))

	// While 2.0 uploads, readers still find 1.0.
	v2 := s3Input("2.0", spec)
	v2.Artifacts = e.siteVersion(t, "2.0", map[string]string{"index.html": "v2", "api/a.json": "{}", "api/b.json": "{}"})
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, v2, &res))
	puts, watched = e.rec.reset()
	require.Len(t, puts, 6)
	for i := range 5 {
		require.Contains(t, watched[i], `"version": "1.0"`, "before put %d (%s)", i, puts[i])
	}
	require.Equal(t, "2.0", e.pointer(t, "prod/")["version"])
	body, _ := e.get(t, "prod/.releases/2.0/index.html")
	require.Equal(t, "v2", body)

	// Rolling back to 1.0 re-points without uploading it again; the ledger
	// gives the deploy 1.0's artifacts.
	back := s3Input("1.0", spec)
	back.Rollback = true
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, back, &res))
	puts, _ = e.rec.reset()
	require.Equal(t, []string{"prod/current.json", "prod/index.html"}, puts)
	require.Equal(t, "1.0", e.pointer(t, "prod/")["version"])
	require.Contains(t, readKey(t, e.pa, res.LogKey), "is complete (2 files): re-pointing")

	// A release that lost an object is published again before re-pointing.
	_, err := e.client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("site"), Key: aws.String("prod/.releases/2.0/api/b.json")})
	require.NoError(t, err)
	back = s3Input("2.0", spec)
	back.Rollback, back.RunID = true, "run-2"
	require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, back, &res))
	puts, _ = e.rec.reset()
	require.Len(t, puts, 6)
	require.Equal(t, "2.0", e.pointer(t, "prod/")["version"])
	e.get(t, "prod/.releases/2.0/api/b.json")
}

func TestS3DeployFailures(t *testing.T) {
	e := newS3Env(t)
	in := s3Input("1.0", pipeline.S3Deploy{Bucket: "no-such-bucket", Artifact: "html"})
	in.Artifacts = e.siteVersion(t, "1.0", map[string]string{"index.html": "v1"})
	err := execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeDeployFailed, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "bucket no-such-bucket does not exist")

	in.Deploy.S3 = &pipeline.S3Deploy{Bucket: "site", Artifact: "missing"}
	appErr = appError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "artifact missing is not one of version 1.0's artifacts (html)")

	// Drover's own bucket (its blob store on S3) is never a deploy's,
	// whatever the registration allows: nothing is written there.
	e.pa.BlobBucket = "site"
	in.Deploy.S3 = &pipeline.S3Deploy{Bucket: "site", Artifact: "html", Prefix: "drover/caches/victim/"}
	appErr = appError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "bucket site holds Drover's own artifacts, caches and logs: an s3 deploy may not publish there")
	require.Empty(t, e.keys(t, "drover/caches/"))
	e.pa.BlobBucket = ""

	// Wrong keys are refused for good.
	bad := e.srv.Config()
	bad.Credentials = credentials.NewStaticCredentialsProvider("drovertest", "wrong-secret", "")
	e.pa.S3 = activities.NewLazyS3(bad)
	in.Deploy.S3 = &pipeline.S3Deploy{Bucket: "site", Artifact: "html"}
	appErr = appError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable(), "%v", appErr)
	require.Contains(t, appErr.Error(), "SignatureDoesNotMatch")

	// An unreachable server may come back: the error is retryable.
	down := e.srv.Config()
	down.S3Endpoint, down.MaxAttempts = "http://127.0.0.1:1", 1
	e.pa.S3 = activities.NewLazyS3(down)
	err = execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil)
	require.Error(t, err)
	var api smithy.APIError
	require.False(t, errors.As(err, &api))
	require.False(t, appError(t, err).NonRetryable(), "%v", err)
	require.True(t, strings.Contains(err.Error(), "connect") || strings.Contains(err.Error(), "refused"), "%v", err)
}
