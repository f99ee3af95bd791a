package activities_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

// refusingTargets refuses every push, naming the branch as the registry does.
type refusingTargets struct{}

func (refusingTargets) PushTarget(source, target, branch string) (string, error) {
	return "", fmt.Errorf("chain push from %s to %s branch %s refused: not accepted", source, target, branch)
}

// The reason a push step failed is the task's error, kept in the build's
// history and shown on its page: it is masked with the task's secrets as
// its log is (a branch read from a file the scripts wrote may hold one).
func TestRunTaskPushStepFailureIsMasked(t *testing.T) {
	a := newActivities(t)
	a.Secrets = fakeSecretValues{"foas//TOKEN": "tok-push-failure-secret"}
	a.PushTargets = refusingTargets{}
	in := taskInput("")
	in.SecretsAllowed = true
	in.Task.Secrets = []pipeline.SecretRef{{Name: "TOKEN"}}
	in.Task.Steps = []pipeline.Step{{Name: "make", Run: `echo "release-$TOKEN" > branch`},
		{Name: "hand-off", Push: &pipeline.PushStep{Project: "image", Branch: "{file:branch}",
			Files: []pipeline.PushFile{{From: "branch"}}}}}
	_, err := runTask(context.Background(), t, a, in)
	appErr := appError(t, err)
	require.Contains(t, appErr.Error(), "branch release-*** refused")
	require.NotContains(t, appErr.Error(), "tok-push-failure-secret")
	require.NotContains(t, readLog(t, a, in), "tok-push-failure-secret")
}
