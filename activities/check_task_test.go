package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

func taskCheckInput(run string) activities.TaskCheckInput {
	return activities.TaskCheckInput{
		PromotionID: "promote/foas/1.2",
		RunID:       "run-1",
		Project:     "foas",
		Environment: "staging",
		Version:     "1.2",
		Index:       2,
		Check:       pipeline.TaskCheck{Run: run},
	}
}

func TestCheckTask(t *testing.T) {
	repo, c1, _ := deployRepo(t)
	tests := []struct {
		name    string
		run     string
		timeout time.Duration
		message string
		tail    string
		log     []string
	}{
		{
			name: "passes",
			run: `./deploy.sh check
echo "env=$DROVER_ENVIRONMENT version=$DROVER_VERSION check=$DROVER_CHECK_INDEX artifact=$(cat "$DROVER_ARTIFACTS_DIR/api-tests")"`,
			log: []string{"deploy.sh from commit 1 to check\n", "env=staging version=1.2 check=2 artifact=tests bytes\n", "=== exited with code 0 after "},
		},
		{
			name:    "fails",
			run:     "echo 3 API tests failed; exit 1",
			message: "verify foas 1.2 in staging (check 2): script exited with code 1",
			tail:    "3 API tests failed\n",
		},
		{
			name:    "times out",
			run:     "echo waiting; sleep 100",
			timeout: 300 * time.Millisecond,
			message: "verify foas 1.2 in staging (check 2): timed out after 300ms",
			tail:    "waiting\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pa, _ := newPromotionActivities(t)
			in := taskCheckInput(tt.run)
			in.Repository, in.Commit = repo, c1
			in.Check.Timeout = pipeline.Duration(tt.timeout)
			in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "api-tests", "tests bytes")}
			key := "promotions/promote%2Ffoas%2F1.2/run-1/staging/verify-2.log"

			var res activities.CheckResult
			err := execute(context.Background(), t, pa, pa.CheckTask, in, &res)
			if tt.message == "" {
				require.NoError(t, err)
				require.Equal(t, key, res.LogKey)
			} else {
				appErr := appError(t, err)
				require.Equal(t, activities.ErrTypeCheckFailed, appErr.Type())
				require.True(t, appErr.NonRetryable())
				require.Equal(t, tt.message, appErr.Message())
				require.NoError(t, appErr.Details(&res))
				require.Equal(t, tt.tail, res.Detail)
				require.Equal(t, key, res.LogKey)
				tt.log = append(tt.log, "=== "+tt.message+" ===\n")
			}
			log := readKey(t, pa, key)
			for _, want := range tt.log {
				require.Contains(t, log, want)
			}
			requireNoWorkspaces(t, pa.Tasks)
		})
	}
}

// A check the registration requires runs without a checkout of the
// version's commit, whose author would decide what its files do; it still
// gets the version's artifacts.
func TestCheckTaskOfTheRegistrationRunsWithoutTheCommitsFiles(t *testing.T) {
	repo, c1, _ := deployRepo(t)
	pa, _ := newPromotionActivities(t)
	in := taskCheckInput(`test ! -e deploy.sh && echo "no deploy.sh; artifact=$(cat "$DROVER_ARTIFACTS_DIR/api-tests")"`)
	in.Repository, in.Commit = repo, c1
	in.Check.Registered = true
	in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "api-tests", "tests bytes")}
	var res activities.CheckResult
	require.NoError(t, execute(context.Background(), t, pa, pa.CheckTask, in, &res))
	log := readKey(t, pa, res.LogKey)
	require.Contains(t, log, "=== a required check of the registration: no checkout of "+c1+" ===\n")
	require.Contains(t, log, "no deploy.sh; artifact=tests bytes\n")

	// The commit's own check does get its files.
	in.Check.Registered = false
	in.Check.Run = "test -e deploy.sh"
	require.NoError(t, execute(context.Background(), t, pa, pa.CheckTask, in, &res))
}
