package activities

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/awsclient"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// S3Client is the part of the S3 API the s3 deploy action uses
// (*s3.Client implements it). Each call may fail with a smithy.APIError
// whose code says why (NoSuchBucket, AccessDenied, ...).
type S3Client interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// NewLazyS3 returns an S3Client that builds its *s3.Client from cfg on
// first use, so that a worker without AWS configuration starts, and only s3
// deploys fail (with a retryable error) until the configuration is fixed.
func NewLazyS3(cfg awsclient.Config) S3Client {
	return &lazyS3{cfg: cfg}
}

type lazyS3 struct {
	cfg    awsclient.Config
	mu     sync.Mutex
	client *s3.Client
}

func (l *lazyS3) get(ctx context.Context) (*s3.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.client == nil {
		c, err := l.cfg.S3(ctx)
		if err != nil {
			return nil, fmt.Errorf("build S3 client: %w", err)
		}
		l.client = c
	}
	return l.client, nil
}

func (l *lazyS3) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.PutObject(ctx, in, opts...)
}

func (l *lazyS3) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.GetObject(ctx, in, opts...)
}

func (l *lazyS3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.ListObjectsV2(ctx, in, opts...)
}

// s3Deploy publishes files to a bucket prefix (pipeline.S3Deploy).
type s3Deploy struct {
	a *PromotionActivities
}

// s3Target is where one deploy publishes: the bucket, the expanded prefix
// and, for an atomic deploy, the release prefix under it.
type s3Target struct {
	spec    pipeline.S3Deploy
	bucket  string
	prefix  string // "" or ending in "/"
	release string // where the files go: prefix, or prefix.releases/<version>/
	index   string // the project index's key, or ""
}

// Deploy uploads the files, then build_log.json, then (atomic) the
// pointer. A rollback of an atomic deploy only re-points when the release
// is still complete in the bucket.
func (d s3Deploy) Deploy(ctx context.Context, in DeployInput, log *logstore.LineWriter) (DeployResult, error) {
	what := deployWhat(in)
	fail := func(format string, args ...any) error {
		msg := what + ": " + fmt.Sprintf(format, args...)
		log.Printf("=== %s ===", msg)
		return temporal.NewNonRetryableApplicationError(msg, ErrTypeDeployFailed, nil)
	}
	if in.Deploy.S3 == nil {
		return DeployResult{}, fail("no s3 deploy")
	}
	if b := d.a.BlobBucket; b != "" && in.Deploy.S3.Bucket == b {
		return DeployResult{}, fail("bucket %s holds Drover's own artifacts, caches and logs: an s3 deploy may not publish there", b)
	}
	if d.a.S3 == nil {
		return DeployResult{}, fail("this worker has no S3 client")
	}
	t, err := newS3Target(in)
	if err != nil {
		return DeployResult{}, fail("%v", err)
	}
	attempt := int(activity.GetInfo(ctx).Attempt)
	stop := d.a.Tasks.heartbeat(ctx, attempt)
	defer stop()
	log.Printf("=== %s: attempt %d, s3://%s/%s ===", what, attempt, t.bucket, t.release)

	up := &s3Uploader{client: d.a.S3, bucket: t.bucket, spec: t.spec, log: log}
	if in.Rollback && t.spec.Atomic {
		files, ok, err := up.completeRelease(ctx, t.release)
		if err != nil {
			return DeployResult{}, d.s3Error(ctx, what, err, t, log)
		}
		if ok {
			log.Printf("=== release %s is complete (%d files): re-pointing ===", t.release, files)
			if err := up.putPointer(ctx, t, in); err != nil {
				return DeployResult{}, d.s3Error(ctx, what, err, t, log)
			}
			return s3Result(t, in, files, "re-pointed to the release already in the bucket"), nil
		}
		log.Printf("=== release %s is not complete in the bucket: publishing it again ===", t.release)
	}

	buildLog, err := d.buildLog(ctx, in, t)
	if err != nil {
		log.Printf("=== %v ===", err)
		return DeployResult{}, stepError(ctx, what, err)
	}
	// The manifest is read first: a missing one publishes nothing.
	manifest, err := d.readManifest(ctx, in, t.spec, log)
	if err != nil {
		return DeployResult{}, err
	}
	layouts, err := d.readLayouts(ctx, in, t.spec, log)
	if err != nil {
		return DeployResult{}, err
	}
	files, cleanup, err := d.collect(ctx, in, t.spec, log)
	defer cleanup()
	if err != nil {
		log.Printf("=== %v ===", err)
		return DeployResult{}, stepError(ctx, what, err)
	}
	if err := applyLayouts(in, layouts, files, log); err != nil {
		return DeployResult{}, deployLogged(log, "%s: %v", what, err)
	}
	published, err := up.putFiles(ctx, t.release, files)
	if err != nil {
		return DeployResult{}, d.s3Error(ctx, what, err, t, log)
	}
	if manifest != nil {
		name := path.Base(t.spec.Manifest)
		if err := up.put(ctx, t.release+name, manifest, up.contentType(name), t.spec.CacheControl); err != nil {
			return DeployResult{}, d.s3Error(ctx, what, err, t, log)
		}
		log.Printf("put %s (manifest %s at %s)", t.release+name, t.spec.Manifest, in.Commit)
		buildLog.Manifest = name
	}
	buildLog.Files, buildLog.PublishedAt = published, time.Now().UTC().Truncate(time.Second)
	if err := up.putJSON(ctx, t.release+"build_log.json", buildLog); err != nil {
		return DeployResult{}, d.s3Error(ctx, what, err, t, log)
	}
	log.Printf("put %s (build log)", t.release+"build_log.json")
	if t.spec.Atomic {
		if err := up.putPointer(ctx, t, in); err != nil {
			return DeployResult{}, d.s3Error(ctx, what, err, t, log)
		}
	}
	if t.index != "" {
		if err := up.updateProjectIndex(ctx, t.index, buildLog); err != nil {
			return DeployResult{}, d.s3Error(ctx, what, err, t, log)
		}
	}
	log.Printf("=== published %d files to s3://%s/%s ===", len(published), t.bucket, t.release)
	return s3Result(t, in, len(published), fmt.Sprintf("published %d files", len(published))), nil
}

// maxManifest is the largest manifest an s3 deploy publishes.
const maxManifest = 1 << 20

// readManifest reads the deploy's manifest from the repository at
// in.Commit; nil without one. A manifest that is missing or too large fails
// the deploy for good.
func (d s3Deploy) readManifest(ctx context.Context, in DeployInput, spec pipeline.S3Deploy, log *logstore.LineWriter) ([]byte, error) {
	what, file := deployWhat(in), spec.Manifest
	if file == "" {
		return nil, nil
	}
	if in.Repository == "" || in.Commit == "" {
		return nil, deployLogged(log, "%s: manifest %s: the version has no repository and commit to read it from", what, file)
	}
	body, err := d.a.Tasks.Source.ReadFile(ctx, in.Repository, in.Commit, file)
	if errors.Is(err, gitsource.ErrFileNotFound) {
		return nil, deployLogged(log, "%s: manifest %s does not exist at commit %s", what, file, in.Commit)
	}
	if err != nil {
		log.Printf("=== read manifest %s: %v ===", file, err)
		return nil, stepError(ctx, what, fmt.Errorf("read manifest %s: %w", file, err))
	}
	if len(body) > maxManifest {
		return nil, deployLogged(log, "%s: manifest %s is %d bytes; at most %d are published", what, file, len(body), maxManifest)
	}
	if body == nil {
		body = []byte{}
	}
	return body, nil
}

// deployLogged logs a deploy's failure and returns it as a non-retryable
// DeployFailed error.
func deployLogged(log *logstore.LineWriter, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	log.Printf("=== %s ===", msg)
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeDeployFailed, nil)
}

// newS3Target expands the deploy's prefix for in.
func newS3Target(in DeployInput) (s3Target, error) {
	spec := *in.Deploy.S3
	if in.Version == "" || strings.ContainsAny(in.Version, "/\\") || strings.HasPrefix(in.Version, ".") {
		return s3Target{}, fmt.Errorf("version %q cannot name a release in an S3 key", in.Version)
	}
	owner, repo := pipeline.RepositoryOwnerName(in.Repository)
	vars := map[string]string{
		"project": in.Project, "version": in.Version, "commit": in.Commit,
		"environment": in.Environment, "owner": owner, "repo": repo,
	}
	prefix, err := spec.ExpandPrefix(vars)
	if err != nil {
		return s3Target{}, err
	}
	index, err := spec.ExpandProjectIndex(vars)
	if err != nil {
		return s3Target{}, err
	}
	t := s3Target{spec: spec, bucket: spec.Bucket, prefix: prefix, release: prefix, index: index}
	if spec.Atomic {
		t.release = prefix + ".releases/" + in.Version + "/"
	}
	return t, nil
}

// s3Result is the deploy's result: where the version is.
func s3Result(t s3Target, in DeployInput, files int, detail string) DeployResult {
	return DeployResult{
		Detail: detail,
		Outputs: map[string]string{
			"url":     "s3://" + t.bucket + "/" + t.prefix,
			"bucket":  t.bucket,
			"prefix":  t.prefix,
			"release": t.release,
			"version": in.Version,
			"files":   strconv.Itoa(files),
		},
	}
}

// terminalS3Codes are S3 error codes that a retry cannot fix.
var terminalS3Codes = map[string]string{
	"NoSuchBucket":          "bucket %s does not exist",
	"AccessDenied":          "access denied to bucket %s: the worker needs s3:PutObject, s3:GetObject and s3:ListBucket on it",
	"AllAccessDisabled":     "all access to bucket %s is disabled",
	"InvalidAccessKeyId":    "the worker's AWS access key is not known to the S3 server of bucket %s",
	"SignatureDoesNotMatch": "the worker's AWS secret key was refused by the S3 server of bucket %s",
	"InvalidBucketName":     "%s is not a valid bucket name",
	"PermanentRedirect":     "bucket %s is in another region than the worker's (set DROVER_AWS_REGION)",
}

// s3Error turns a failed S3 call into the deploy's error: non-retryable
// DeployFailed for a missing bucket or refused credentials, retryable
// otherwise (network errors, throttling, 5xx).
func (d s3Deploy) s3Error(ctx context.Context, what string, err error, t s3Target, log *logstore.LineWriter) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		if format, ok := terminalS3Codes[api.ErrorCode()]; ok {
			msg := what + ": " + fmt.Sprintf(format, t.bucket) + " (" + api.ErrorCode() + ")"
			log.Printf("=== %s ===", msg)
			return temporal.NewNonRetryableApplicationError(msg, ErrTypeDeployFailed, nil)
		}
	}
	log.Printf("=== %v ===", err)
	return stepError(ctx, what, err)
}
