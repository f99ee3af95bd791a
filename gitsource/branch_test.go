package gitsource_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
)

func TestOnBranch(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	for kind, repo := range repositories(t, r) {
		src := gitsource.New(t.TempDir())
		for _, tt := range []struct {
			commit, branch string
			want           bool
		}{
			{r.c2, "main", true},      // the head
			{r.c1, "main", true},      // an ancestor
			{r.c3, "main", false},     // only on feature
			{r.c3, "feature", true},   // feature's head
			{r.c2, "feature", true},   // feature branched from main
			{r.c1, "tag:v1", true},    // the tag's commit
			{r.c2, "tag:v1", false},   // not the tag's commit
			{r.c1, "nope", false},     // no such branch
			{r.c1, "tag:nope", false}, // no such tag
			{r.c1, "--all", false},    // not a branch name
			{"--help", "main", false}, // not a commit
		} {
			got, err := src.OnBranch(ctx, repo, tt.commit, tt.branch)
			require.NoError(t, err, "%s %s on %s", kind, tt.commit, tt.branch)
			require.Equal(t, tt.want, got, "%s: %s on %s", kind, tt.commit, tt.branch)
		}
	}
}
