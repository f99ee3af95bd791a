package activities_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRunTaskGetsPublishRootAndRedactedRepository(t *testing.T) {
	tests := []struct {
		name        string
		publishRoot string
		want        string
	}{
		{name: "publish root set", publishRoot: "/srv/publish", want: "root=/srv/publish repo=https://git.example.com/alice/notes.git"},
		{name: "no publish root", want: "root=unset repo=https://git.example.com/alice/notes.git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DROVER_PUBLISH_ROOT", "/from/worker/env") // the worker's own DROVER_ variables never leak
			a := newActivities(t)
			a.PublishRoot = tt.publishRoot
			in := taskInput(`echo "root=${DROVER_PUBLISH_ROOT:-unset} repo=$DROVER_REPOSITORY"`)
			in.Repository = "https://bob:hunter2@git.example.com/alice/notes.git"
			in.Task.Checkout = false

			res, err := runTask(context.Background(), t, a, in)
			require.NoError(t, err)
			require.Contains(t, res.OutputTail, tt.want)
			require.NotContains(t, res.OutputTail, "hunter2")
		})
	}
}
