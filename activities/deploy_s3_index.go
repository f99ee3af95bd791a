package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// maxIndexEntries is how many publishes a project index keeps, newest
// first; older ones are dropped.
const maxIndexEntries = 1000

// indexWriteTries is how many times a project index update is tried when
// another publish changed the index in between.
const indexWriteTries = 8

// projectIndex is the project index (tX's project.json): every commit
// published through the deploy, newest first.
type projectIndex struct {
	Project   string       `json:"project"`
	Owner     string       `json:"owner,omitempty"`
	Repo      string       `json:"repo,omitempty"`
	UpdatedAt time.Time    `json:"updated_at"`
	Commits   []indexEntry `json:"commits"`
}

// indexEntry is one publish of a commit to an environment.
type indexEntry struct {
	Commit      string    `json:"commit"`
	Version     string    `json:"version"`
	Branch      string    `json:"branch,omitempty"`
	Environment string    `json:"environment"`
	Prefix      string    `json:"prefix"`
	BuildID     string    `json:"build_id,omitempty"`
	BuildStatus string    `json:"build_status,omitempty"`
	Warnings    int       `json:"warnings"`
	Errors      int       `json:"errors"`
	PublishedAt time.Time `json:"published_at"`
}

// updateProjectIndex records bl's publish at the head of the index at key,
// replacing an earlier entry of the same commit and environment. It reads
// the index and writes it back only if it is unchanged (If-Match on its
// ETag, If-None-Match when absent), reading again when another publish won
// the race; a server that ignores the conditions makes it last-writer-wins.
func (u *s3Uploader) updateProjectIndex(ctx context.Context, key string, bl s3BuildLog) error {
	entry := indexEntry{
		Commit: bl.Commit, Version: bl.Version, Branch: bl.Branch, Environment: bl.Environment,
		Prefix: bl.Prefix, BuildID: bl.BuildID, BuildStatus: bl.BuildStatus, PublishedAt: bl.PublishedAt,
	}
	for _, t := range bl.Tasks {
		entry.Warnings += len(t.Warnings)
		entry.Errors += len(t.Errors)
	}
	for try := 1; ; try++ {
		idx, etag, err := u.getProjectIndex(ctx, key)
		if err != nil {
			return err
		}
		idx.Project, idx.Owner, idx.Repo, idx.UpdatedAt = bl.Project, bl.Owner, bl.Repo, time.Now().UTC().Truncate(time.Second)
		idx.Commits = slices.DeleteFunc(idx.Commits, func(e indexEntry) bool {
			return e.Commit == entry.Commit && e.Environment == entry.Environment
		})
		idx.Commits = append([]indexEntry{entry}, idx.Commits...)
		if len(idx.Commits) > maxIndexEntries {
			idx.Commits = idx.Commits[:maxIndexEntries]
		}
		body, err := json.MarshalIndent(idx, "", "  ")
		if err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		body = append(body, '\n')
		in := &s3.PutObjectInput{
			Bucket: aws.String(u.bucket), Key: aws.String(key), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
			ContentType: aws.String("application/json"), CacheControl: aws.String("no-cache"),
		}
		if etag == "" {
			in.IfNoneMatch = aws.String("*")
		} else {
			in.IfMatch = aws.String(etag)
		}
		_, err = u.client.PutObject(ctx, in)
		var api smithy.APIError
		if errors.As(err, &api) && (api.ErrorCode() == "PreconditionFailed" || api.ErrorCode() == "ConditionalRequestConflict") && try < indexWriteTries {
			u.log.Printf("%s changed while it was updated: reading it again", key)
			continue
		}
		if err != nil {
			return fmt.Errorf("put s3://%s/%s: %w", u.bucket, key, err)
		}
		u.log.Printf("put %s (project index, %d commits)", key, len(idx.Commits))
		return nil
	}
}

// getProjectIndex reads the index at key and its ETag; an absent index is
// empty, with no ETag, and an unreadable one is started again (and logged).
func (u *s3Uploader) getProjectIndex(ctx context.Context, key string) (projectIndex, string, error) {
	var idx projectIndex
	obj, err := u.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(u.bucket), Key: aws.String(key)})
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return idx, "", nil
	}
	if err != nil {
		return idx, "", fmt.Errorf("get s3://%s/%s: %w", u.bucket, key, err)
	}
	defer func() { _ = obj.Body.Close() }()
	if err := json.NewDecoder(obj.Body).Decode(&idx); err != nil {
		u.log.Printf("%s is unreadable (%v): starting it again", key, err)
		idx = projectIndex{}
	}
	return idx, aws.ToString(obj.ETag), nil
}
