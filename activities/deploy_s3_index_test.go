package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

type projectIndexJSON struct {
	Project, Owner, Repo string
	Commits              []struct {
		Commit, Version, Environment, Prefix string
		BuildID                              string `json:"build_id"`
		BuildStatus                          string `json:"build_status"`
	}
}

func (e *s3Env) projectIndex(t *testing.T, key string) (projectIndexJSON, string) {
	t.Helper()
	body, obj := e.get(t, key)
	var idx projectIndexJSON
	require.NoError(t, json.Unmarshal([]byte(body), &idx), body)
	return idx, aws.ToString(obj.CacheControl)
}

func indexVersions(idx projectIndexJSON) []string {
	var out []string
	for _, c := range idx.Commits {
		out = append(out, c.Version)
	}
	return out
}

func TestS3DeployProjectIndexListsEveryPublishedCommit(t *testing.T) {
	e := newS3Env(t)
	spec := pipeline.S3Deploy{Bucket: "site", Prefix: "u/{owner}/{repo}/{commit:8}/", Artifact: "html",
		ProjectIndex: "u/{owner}/{repo}/project.json"}
	publish := func(version string) {
		in := s3Input(version, spec)
		in.Artifacts = e.siteVersion(t, version, map[string]string{"index.html": "<p>" + version + "</p>"})
		require.NoError(t, execute(context.Background(), t, e.pa, e.pa.Deploy, in, nil))
	}
	publish("1.0")
	publish("2.0")
	idx, cache := e.projectIndex(t, "u/alice/notes/project.json")
	require.Equal(t, "no-cache", cache)
	require.Equal(t, []string{"site", "alice", "notes"}, []string{idx.Project, idx.Owner, idx.Repo})
	require.Equal(t, []string{"2.0", "1.0"}, indexVersions(idx), "newest first")
	c := idx.Commits[1]
	require.Equal(t, []string{"c0ffee1.0", "prod", "u/alice/notes/c0ffee1./", "build/site/1.0", "succeeded"},
		[]string{c.Commit, c.Environment, c.Prefix, c.BuildID, c.BuildStatus})

	publish("1.0") // published again: its entry moves to the head
	idx, _ = e.projectIndex(t, "u/alice/notes/project.json")
	require.Equal(t, []string{"1.0", "2.0"}, indexVersions(idx))
}

func TestS3DeployProjectIndexKeepsConcurrentPublishes(t *testing.T) {
	e := newS3Env(t)
	spec := pipeline.S3Deploy{Bucket: "site", Prefix: "v/{version}/", Artifact: "html", ProjectIndex: "project.json"}
	const n = 6
	ins := make([]activities.DeployInput, n)
	for i := range ins {
		version := fmt.Sprintf("%d.0", i+1)
		ins[i] = s3Input(version, spec)
		ins[i].Artifacts = e.siteVersion(t, version, map[string]string{"index.html": version})
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range ins {
		wg.Go(func() { errs[i] = execute(context.Background(), t, e.pa, e.pa.Deploy, ins[i], nil) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	idx, _ := e.projectIndex(t, "project.json")
	require.ElementsMatch(t, []string{"1.0", "2.0", "3.0", "4.0", "5.0", "6.0"}, indexVersions(idx),
		"no publish is lost to another one's read-modify-write")
}
