// Package storage chooses where task logs and artifacts are kept: the local
// data directory (the default), or an S3 bucket shared by every worker and
// API instance.
package storage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/drover-ci/drover/awsclient"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/logstore"
)

// Kinds of store.
const (
	KindFS = "fs"
	KindS3 = "s3"
)

// Config says where logs and blobs are kept.
type Config struct {
	// Kind is KindFS (DROVER_BLOB_STORE=fs, the default) or KindS3.
	Kind string
	// Bucket is the S3 bucket (DROVER_S3_BUCKET), required for KindS3.
	Bucket string
	// Prefix is put before every object key (DROVER_S3_PREFIX); a "/" is
	// added when it lacks one. Artifacts go under <Prefix>artifacts/ and
	// task logs under <Prefix>logs/.
	Prefix string
	// AWS reaches S3: region, endpoint, path style; credentials from the
	// standard AWS chain.
	AWS awsclient.Config
}

// FromEnv reads the Config through getenv. dataDir is the process's data
// directory, named in errors only.
func FromEnv(getenv func(string) string, dataDir string) (Config, error) {
	cfg := Config{
		Kind:   getenv("DROVER_BLOB_STORE"),
		Bucket: getenv("DROVER_S3_BUCKET"),
		Prefix: getenv("DROVER_S3_PREFIX"),
		AWS:    awsclient.FromEnv(getenv),
	}
	if cfg.Kind == "" {
		cfg.Kind = KindFS
	}
	switch cfg.Kind {
	case KindFS:
		return cfg, nil
	case KindS3:
		if cfg.Bucket == "" {
			return Config{}, errors.New("DROVER_BLOB_STORE=s3 needs DROVER_S3_BUCKET, the bucket that holds logs and artifacts")
		}
		return cfg, nil
	}
	return Config{}, fmt.Errorf("DROVER_BLOB_STORE=%q: want %q (files under %s) or %q", cfg.Kind, KindFS, dataDir, KindS3)
}

// Open returns the log and blob stores cfg names. The filesystem stores live
// under dataDir/logs and dataDir/blobs; for S3 it first checks that the
// bucket can be reached, and says what is wrong when it cannot.
func Open(ctx context.Context, cfg Config, dataDir string) (logstore.Logs, blobstore.Store, error) {
	switch cfg.Kind {
	case "", KindFS:
		return logstore.New(filepath.Join(dataDir, "logs")), blobstore.NewFS(filepath.Join(dataDir, "blobs")), nil
	case KindS3:
	default:
		return nil, nil, fmt.Errorf("unknown blob store %q: want %q or %q", cfg.Kind, KindFS, KindS3)
	}
	if cfg.Bucket == "" {
		return nil, nil, errors.New("open S3 storage: no bucket (DROVER_S3_BUCKET)")
	}
	client, err := cfg.AWS.S3(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("open S3 storage: %w", err)
	}
	if err := checkBucket(ctx, client, cfg); err != nil {
		return nil, nil, err
	}
	prefix := blobstore.JoinPrefix(cfg.Prefix)
	blobs := blobstore.NewS3(client, cfg.Bucket, prefix)
	tmp := filepath.Join(dataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, nil, fmt.Errorf("open S3 storage: create upload buffer dir: %w", err)
	}
	blobs.TempDir = tmp
	return logstore.NewS3(client, cfg.Bucket, prefix+"logs/"), blobs, nil
}

// checkBucket asks S3 for the bucket, turning the usual failures into
// errors that say what to fix.
func checkBucket(ctx context.Context, client *s3.Client, cfg Config) error {
	_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(cfg.Bucket)})
	if err == nil {
		return nil
	}
	where := "AWS S3"
	if u, perr := url.Parse(cfg.AWS.S3Endpoint); cfg.AWS.S3Endpoint != "" && perr == nil {
		u.User = nil // never in an error
		where = u.Redacted()
	}
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	status := 0
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	switch {
	case status == http.StatusNotFound || errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NotFound" || apiErr.ErrorCode() == "NoSuchBucket"):
		return fmt.Errorf("S3 bucket %q (DROVER_S3_BUCKET) does not exist at %s: %w", cfg.Bucket, where, err)
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		return fmt.Errorf("S3 bucket %q at %s refuses access: check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE, role) "+
			"and that they allow s3:ListBucket, s3:GetObject and s3:PutObject on it: %w", cfg.Bucket, where, err)
	case status == http.StatusMovedPermanently:
		return fmt.Errorf("S3 bucket %q is in another region: set DROVER_AWS_REGION or AWS_REGION to its region: %w", cfg.Bucket, err)
	}
	return fmt.Errorf("reach S3 bucket %q at %s (DROVER_S3_ENDPOINT, DROVER_S3_PATH_STYLE): %w", cfg.Bucket, where, err)
}
