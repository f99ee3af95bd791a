package activities

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"os"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// publishedFile is a file in a release, as build_log.json lists it.
type publishedFile struct {
	Path        string `json:"path"` // relative to the release prefix
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
}

// s3Pointer is <prefix>current.json of an atomic deploy: the release
// readers should serve.
type s3Pointer struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// Path is the release's prefix relative to the pointer's own, such as
	// ".releases/1.2/"; Key is the same from the bucket's root.
	Path        string    `json:"path"`
	Key         string    `json:"key"`
	PublishedAt time.Time `json:"published_at"`
}

// s3Uploader puts objects in one bucket, logging each.
type s3Uploader struct {
	client S3Client
	bucket string
	spec   pipeline.S3Deploy
	log    *logstore.LineWriter
}

// putFiles uploads files under prefix, in order, each with its content
// type, and returns what it published.
func (u *s3Uploader) putFiles(ctx context.Context, prefix string, files []localFile) ([]publishedFile, error) {
	out := make([]publishedFile, 0, len(files))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		p, err := u.putFile(ctx, prefix, f)
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (u *s3Uploader) putFile(ctx context.Context, prefix string, f localFile) (publishedFile, error) {
	file, err := os.Open(f.Path)
	if err != nil {
		return publishedFile{}, fmt.Errorf("open %s: %w", f.Name, err)
	}
	defer func() { _ = file.Close() }()
	h := sha256.New()
	size, err := io.Copy(h, file)
	if err != nil {
		return publishedFile{}, fmt.Errorf("read %s: %w", f.Name, err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return publishedFile{}, fmt.Errorf("read %s: %w", f.Name, err)
	}
	p := publishedFile{Path: f.Name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: u.contentType(f.Name)}
	key := prefix + f.Name
	_, err = u.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(u.bucket),
		Key:           aws.String(key),
		Body:          file,
		ContentLength: aws.Int64(size),
		ContentType:   aws.String(p.ContentType),
		CacheControl:  optional(u.spec.CacheControl),
	})
	if err != nil {
		return publishedFile{}, fmt.Errorf("put s3://%s/%s: %w", u.bucket, key, err)
	}
	u.log.Printf("put %s (%d bytes, %s)", key, size, p.ContentType)
	return p, nil
}

// contentType is the deploy's content type for name's extension, else the
// standard one, else application/octet-stream.
func (u *s3Uploader) contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	for e, ct := range u.spec.ContentTypes {
		if strings.ToLower(e) == ext {
			return ct
		}
	}
	if ct := mime.TypeByExtension(ext); ext != "" && ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// put uploads one small object.
func (u *s3Uploader) put(ctx context.Context, key string, body []byte, contentType, cacheControl string) error {
	_, err := u.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(u.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(contentType),
		CacheControl:  optional(cacheControl),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", u.bucket, key, err)
	}
	return nil
}

func (u *s3Uploader) putJSON(ctx context.Context, key string, v any) error {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path.Base(key), err)
	}
	return u.put(ctx, key, append(body, '\n'), "application/json", u.spec.CacheControl)
}

// redirectPage sends a browser at <prefix>index.html to the current release.
var redirectPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Version}}</title>
<meta http-equiv="refresh" content="0; url={{.Path}}index.html">
<link rel="canonical" href="{{.Path}}index.html"></head>
<body><p>Current release: <a href="{{.Path}}index.html">{{.Version}}</a></p></body></html>
`))

// putPointer makes t's release the current one: <prefix>current.json,
// then <prefix>index.html redirecting to it. Both are written only once
// every object of the release is in the bucket, and are never cached.
func (u *s3Uploader) putPointer(ctx context.Context, t s3Target, in DeployInput) error {
	ptr := s3Pointer{
		Version: in.Version, Commit: in.Commit,
		Path: strings.TrimPrefix(t.release, t.prefix), Key: t.release,
		PublishedAt: time.Now().UTC().Truncate(time.Second),
	}
	body, err := json.MarshalIndent(ptr, "", "  ")
	if err != nil {
		return fmt.Errorf("encode current.json: %w", err)
	}
	if err := u.put(ctx, t.prefix+"current.json", append(body, '\n'), "application/json", "no-cache"); err != nil {
		return err
	}
	var page bytes.Buffer
	if err := redirectPage.Execute(&page, ptr); err != nil {
		return fmt.Errorf("render index.html: %w", err)
	}
	if err := u.put(ctx, t.prefix+"index.html", page.Bytes(), "text/html; charset=utf-8", "no-cache"); err != nil {
		return err
	}
	u.log.Printf("put %scurrent.json -> %s (version %s)", t.prefix, ptr.Path, in.Version)
	return nil
}

// completeRelease reports whether the release under prefix is whole in
// the bucket: its build_log.json (written after every file) is there, and
// so is every file it lists, with its size.
func (u *s3Uploader) completeRelease(ctx context.Context, prefix string) (int, bool, error) {
	obj, err := u.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(u.bucket), Key: aws.String(prefix + "build_log.json")})
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("get s3://%s/%sbuild_log.json: %w", u.bucket, prefix, err)
	}
	var recorded struct {
		Files []publishedFile `json:"files"`
	}
	err = json.NewDecoder(obj.Body).Decode(&recorded)
	_ = obj.Body.Close()
	if err != nil {
		u.log.Printf("build_log.json of %s is unreadable: %v", prefix, err)
		return 0, false, nil
	}
	sizes := map[string]int64{}
	var token *string
	for {
		page, err := u.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String(u.bucket), Prefix: aws.String(prefix), ContinuationToken: token,
		})
		if err != nil {
			return 0, false, fmt.Errorf("list s3://%s/%s: %w", u.bucket, prefix, err)
		}
		for _, o := range page.Contents {
			sizes[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		token = page.NextContinuationToken
	}
	for _, f := range recorded.Files {
		if size, ok := sizes[prefix+f.Path]; !ok || size != f.Size {
			u.log.Printf("release %s lacks %s", prefix, f.Path)
			return 0, false, nil
		}
	}
	return len(recorded.Files), true, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
