package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
)

// A commit is untrusted: its checkout's "artifacts" and
// ".drover-artifacts.json", where the worker writes the version's artifacts
// and their versions before a deploy script runs, may be symlinks leading
// out of the workspace. The worker must write nothing outside it: a link
// "artifacts" fails the deploy, not retried; a link
// ".drover-artifacts.json", or a file of "artifacts", is replaced by the
// worker's file. The files the
// links point at are as they were.
func TestDeployRefusesLinksOutOfTheWorkspace(t *testing.T) {
	for _, link := range []string{"artifacts", ".drover-artifacts.json", "artifacts/foas.tar.gz", "artifacts/victim.url"} {
		t.Run(link, func(t *testing.T) {
			pa, _ := newPromotionActivities(t)
			outside := t.TempDir()
			victim := filepath.Join(outside, "victim")
			require.NoError(t, os.WriteFile(victim, []byte("precious\n"), 0o600))
			target := victim
			if link == "artifacts" {
				target = outside
			}
			repo, _, _ := deployRepo(t)
			require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(repo, link)), 0o755))
			require.NoError(t, os.Symlink(target, filepath.Join(repo, link)))
			gitRun(t, repo, "add", ".")
			gitRun(t, repo, "commit", "-q", "-m", "links out")
			commit := gitRun(t, repo, "rev-parse", "HEAD")

			in := deployInput(`echo deployed; grep -c abc123 "$DROVER_ARTIFACTS_JSON"`)
			in.Repository, in.Commit = repo, commit
			ref := putArtifact(t, pa, "foas.tar.gz", "attacker bytes")
			ref.SourceVersion = "abc123"
			in.Artifacts = []activities.ArtifactRef{ref,
				{Name: "victim", Path: "https://ci.example.com/victim.tgz"}}
			err := execute(context.Background(), t, pa, pa.Deploy, in, nil)
			if link == "artifacts" {
				appErr := appError(t, err)
				require.Equal(t, activities.ErrTypeDeployFailed, appErr.Type())
				require.True(t, appErr.NonRetryable(), "retrying cannot fix the commit")
				require.Contains(t, appErr.Error(), "artifacts directory artifacts: ")
				require.NotContains(t, readKeyIfAny(t, pa, "promotions/promote%2Ffoas%2F1.2/run-1/staging/deploy.log"), "\ndeployed\n")
			} else {
				require.NoError(t, err)
			}

			got, err := os.ReadFile(victim)
			require.NoError(t, err)
			require.Equal(t, "precious\n", string(got), "the worker wrote through the link")
			entries, err := os.ReadDir(outside)
			require.NoError(t, err)
			require.Len(t, entries, 1, "nothing was created outside the workspace")
			requireNoWorkspaces(t, pa.Tasks)
		})
	}
}

// Artifact names whose variables would be the same (puppet-foas and
// puppet.foas are both DROVER_ARTIFACT_PUPPET_FOAS_VERSION) get none: one
// registered later must not change, unseen, the version the deploy reads
// for the other. $DROVER_ARTIFACTS_JSON still lists both.
func TestDeployAmbiguousArtifactVariables(t *testing.T) {
	pa, _ := newPromotionActivities(t)
	repo, _, c2 := deployRepo(t)
	in := deployInput(`echo "pf=${DROVER_ARTIFACT_PUPPET_FOAS_VERSION-unset} foas=$DROVER_ARTIFACT_FOAS_VERSION"
grep -c '"name"' "$DROVER_ARTIFACTS_JSON"`)
	in.Repository, in.Commit = repo, c2
	in.Artifacts = []activities.ArtifactRef{
		{Name: "foas", Path: "https://repo.example.com/foas.tgz", SourceVersion: "abc123"},
		{Name: "puppet-foas", Path: "https://repo.example.com/puppet-foas.tgz", SourceVersion: "def456"},
		{Name: "puppet.foas", Path: "https://repo.example.com/other.tgz", SourceVersion: "evil99"}}
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	log := readKey(t, pa, res.LogKey)
	require.Contains(t, log, "pf=unset foas=abc123\n3\n")
}
