package activities_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/internal/proctest"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// deployRepo makes a repository whose two commits hold a deploy.sh that
// prints which one it is; it returns the repository and both commits.
func deployRepo(t *testing.T) (string, string, string) {
	t.Helper()
	repo := filepath.Join(t.TempDir(), "repo")
	require.NoError(t, os.MkdirAll(repo, 0o755))
	gitRun(t, repo, "init", "-q", "-b", "main")
	commit := func(n string) string {
		script := "#!/bin/bash\necho \"deploy.sh from commit " + n + " to $1\"\n"
		require.NoError(t, os.WriteFile(filepath.Join(repo, "deploy.sh"), []byte(script), 0o755))
		gitRun(t, repo, "add", ".")
		gitRun(t, repo, "commit", "-q", "-m", "commit "+n)
		return gitRun(t, repo, "rev-parse", "HEAD")
	}
	return repo, commit("1"), commit("2")
}

// putArtifact stores content in pa's blob store and returns its reference.
func putArtifact(t *testing.T, pa *activities.PromotionActivities, name, content string) activities.ArtifactRef {
	t.Helper()
	key := "artifacts/foas/c/run/package/tarball/" + name
	obj, err := pa.Tasks.Blobs.Put(context.Background(), key, strings.NewReader(content))
	require.NoError(t, err)
	return activities.ArtifactRef{Name: name, Path: "dist/" + name, Key: obj.Key, SHA256: obj.SHA256, Size: obj.Size}
}

func deployInput(script string) activities.DeployInput {
	return activities.DeployInput{
		PromotionID: "promote/foas/1.2",
		RunID:       "run-1",
		Project:     "foas",
		Environment: "staging",
		Version:     "1.2",
		Deploy:      pipeline.Deploy{Shell: script},
		Env:         map[string]string{"REGION": "eu-west-1"},
	}
}

func TestDeployShell(t *testing.T) {
	t.Setenv("DROVER_WORKER_SECRET", "hunter2")
	pa, _ := newPromotionActivities(t)
	repo, _, c2 := deployRepo(t)
	in := deployInput(`./deploy.sh staging
echo "project=$DROVER_PROJECT version=$DROVER_VERSION env=$DROVER_ENVIRONMENT commit=$DROVER_COMMIT"
echo "promotion=$DROVER_PROMOTION_ID rollback=${DROVER_ROLLBACK:-no} region=$REGION secret=${DROVER_WORKER_SECRET:-unset}"
[ "$DROVER_ARTIFACTS_DIR" = "$PWD/artifacts" ] && echo "artifacts dir ok"
echo "artifact: $(cat "$DROVER_ARTIFACTS_DIR/foas.tar.gz")"
echo "::output url=https://staging.example.com"
echo "::output bad name=ignored"
printf '::output revision=42'`)
	in.Repository, in.Commit = repo, c2
	in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "foas.tar.gz", "tarball bytes")}

	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	require.Equal(t, "promotions/promote%2Ffoas%2F1.2/run-1/staging/deploy.log", res.LogKey)
	require.Equal(t, map[string]string{"url": "https://staging.example.com", "revision": "42"}, res.Outputs)

	log := readKey(t, pa, res.LogKey)
	sum := sha256.Sum256([]byte("tarball bytes"))
	for _, want := range []string{
		"=== checkout " + repo + " at " + c2 + " ===\n",
		"=== artifact foas.tar.gz: artifacts/foas.tar.gz (13 bytes, sha256 " + hex.EncodeToString(sum[:]) + ") ===\n",
		"deploy.sh from commit 2 to staging\n",
		"project=foas version=1.2 env=staging commit=" + c2 + "\n",
		"promotion=promote/foas/1.2 rollback=no region=eu-west-1 secret=unset\n",
		"artifacts dir ok\n",
		"artifact: tarball bytes\n",
		"=== exited with code 0 after ",
	} {
		require.Contains(t, log, want)
	}
	require.NotContains(t, log, "hunter2")
	requireNoWorkspaces(t, pa.Tasks)
}

func TestDeployShellRollbackUsesRecordedVersion(t *testing.T) {
	pa, _ := newPromotionActivities(t)
	repo, c1, c2 := deployRepo(t)
	old := putArtifact(t, pa, "foas.tar.gz", "old tarball")
	pa.Versions = fakeVersions{"foas/1.1": {Project: "foas", Version: "1.1", Commit: c1, Artifacts: []ledger.Artifact{
		{Name: old.Name, Path: old.Path, Key: old.Key, SHA256: old.SHA256, Size: old.Size},
	}}}
	in := deployInput(`./deploy.sh staging; echo "rollback=$DROVER_ROLLBACK version=$DROVER_VERSION"; cat artifacts/foas.tar.gz`)
	in.Repository, in.Commit, in.Version, in.Rollback = repo, c2, "1.1", true

	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	require.Equal(t, "promotions/promote%2Ffoas%2F1.2/run-1/staging/deploy-rollback.log", res.LogKey)
	log := readKey(t, pa, res.LogKey)
	require.Contains(t, log, "deploy.sh from commit 1 to staging\n")
	require.Contains(t, log, "rollback=1 version=1.1\n")
	require.Contains(t, log, "old tarball")

	in.Version = "0.9"
	err := execute(context.Background(), t, pa, pa.Deploy, in, nil)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeDeployFailed, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "version 0.9 of foas is not recorded")
}

func TestDeployFailures(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, pa *activities.PromotionActivities, in *activities.DeployInput)
		message string
		tail    string
	}{
		{
			name: "script exits non-zero",
			prepare: func(t *testing.T, pa *activities.PromotionActivities, in *activities.DeployInput) {
				in.Deploy.Shell = "echo stack update failed; exit 3"
			},
			message: "deploy foas 1.2 to staging: script exited with code 3",
			tail:    "stack update failed\n",
		},
		{
			name: "checksum mismatch",
			prepare: func(t *testing.T, pa *activities.PromotionActivities, in *activities.DeployInput) {
				ref := putArtifact(t, pa, "foas.tar.gz", "tarball bytes")
				ref.SHA256 = strings.Repeat("0", 64)
				in.Artifacts = []activities.ArtifactRef{ref}
			},
			message: "artifact foas.tar.gz: got sha256 ",
		},
		{
			name: "missing artifact",
			prepare: func(t *testing.T, pa *activities.PromotionActivities, in *activities.DeployInput) {
				in.Artifacts = []activities.ArtifactRef{{Name: "foas.tar.gz", Key: "artifacts/none", SHA256: "x", Size: 1}}
			},
			message: "artifacts/none is not in the blob store",
		},
		{
			name: "artifact name leaves the directory",
			prepare: func(t *testing.T, pa *activities.PromotionActivities, in *activities.DeployInput) {
				ref := putArtifact(t, pa, "foas.tar.gz", "tarball bytes")
				ref.Name = "../foas.tar.gz"
				in.Artifacts = []activities.ArtifactRef{ref}
			},
			message: "name cannot be a file name",
		},
		{
			name: "unknown deploy kind",
			prepare: func(t *testing.T, pa *activities.PromotionActivities, in *activities.DeployInput) {
				pa.Actions = map[string]activities.DeployAction{} // a worker built without it
				in.Deploy = pipeline.Deploy{CloudFormation: &pipeline.CloudFormationDeploy{Stack: "s", Template: "t"}}
			},
			message: "deploy kind cloudformation is not available on this worker",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pa, _ := newPromotionActivities(t)
			in := deployInput("echo deployed")
			tt.prepare(t, pa, &in)
			err := execute(context.Background(), t, pa, pa.Deploy, in, nil)
			appErr := appError(t, err)
			require.Equal(t, activities.ErrTypeDeployFailed, appErr.Type())
			require.True(t, appErr.NonRetryable())
			require.Contains(t, appErr.Error(), tt.message)
			if tt.tail != "" {
				var res activities.DeployResult
				require.NoError(t, appErr.Details(&res))
				require.Equal(t, tt.tail, res.Detail)
				require.Equal(t, "promotions/promote%2Ffoas%2F1.2/run-1/staging/deploy.log", res.LogKey)
				require.Contains(t, readKey(t, pa, res.LogKey), "=== "+tt.message+" ===")
			}
			require.NotContains(t, readKeyIfAny(t, pa, "promotions/promote%2Ffoas%2F1.2/run-1/staging/deploy.log"), "\ndeployed\n", "the script must not run")
			requireNoWorkspaces(t, pa.Tasks)
		})
	}
}

// readKeyIfAny is readKey, or "" when there is no such log.
func readKeyIfAny(t *testing.T, pa *activities.PromotionActivities, key string) string {
	t.Helper()
	if _, _, err := pa.Tasks.Logs.ReadAt(context.Background(), key, 0, 1); err != nil {
		return ""
	}
	return readKey(t, pa, key)
}

func TestDeployCancelKillsScript(t *testing.T) {
	pa, _ := newPromotionActivities(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	in := deployInput(`sleep 100 & echo $! > "$PIDFILE"; wait`)
	in.Env = map[string]string{"PIDFILE": pidFile}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		proctest.ReadPID(t, pidFile)
		cancel()
	}()
	err := execute(ctx, t, pa, pa.Deploy, in, nil)
	require.ErrorContains(t, err, "cancelled")
	proctest.RequireGone(t, proctest.ReadPID(t, pidFile))
	requireNoWorkspaces(t, pa.Tasks)
}

// An artifact registered by URL (POST /api/v1/artifacts with "url") is not
// in the blob store: a shell deploy runs all the same and finds the URL in
// artifacts/<name>.url (it failed with "invalid blob key: empty").
func TestDeployShellWithAnArtifactRegisteredByURL(t *testing.T) {
	pa, _ := newPromotionActivities(t)
	repo, _, c2 := deployRepo(t)
	in := deployInput(`echo "fetch $(cat "$DROVER_ARTIFACTS_DIR/app.tgz.url")"`)
	in.Repository, in.Commit = repo, c2
	in.Artifacts = []activities.ArtifactRef{{Name: "app.tgz", Path: "https://ci.example.com/app-1.2.tgz", SHA256: strings.Repeat("ab", 32), Size: 3}}
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	log := readKey(t, pa, res.LogKey)
	require.Contains(t, log, "=== artifact app.tgz: at https://ci.example.com/app-1.2.tgz (registered by URL; artifacts/app.tgz.url holds it) ===\n")
	require.Contains(t, log, "fetch https://ci.example.com/app-1.2.tgz\n")
}

// A version of several artifacts built apart (FOAS: foas, puppet-foas,
// puppet-mysql): the deploy finds each one's source version in
// DROVER_ARTIFACT_<NAME>_VERSION and all of them in $DROVER_ARTIFACTS_JSON.
func TestDeployShellGetsEachArtifactsSourceVersion(t *testing.T) {
	pa, _ := newPromotionActivities(t)
	repo, _, c2 := deployRepo(t)
	in := deployInput(`echo "foas=$DROVER_ARTIFACT_FOAS_VERSION puppet-foas=$DROVER_ARTIFACT_PUPPET_FOAS_VERSION puppet-mysql=$DROVER_ARTIFACT_PUPPET_MYSQL_VERSION"
tr -d ' \n' < "$DROVER_ARTIFACTS_JSON"; echo`)
	in.Repository, in.Commit = repo, c2
	foas := putArtifact(t, pa, "foas", "foas binary")
	foas.SourceRepository, foas.SourceVersion = "https://git.example.com/foas.git", "abc123"
	in.Artifacts = []activities.ArtifactRef{foas,
		{Name: "puppet-foas", Path: "https://repo.example.com/puppet-foas-def456.tgz", SourceVersion: "def456"},
		{Name: "puppet-mysql", Path: "https://repo.example.com/puppet-mysql.tgz"}}
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	log := readKey(t, pa, res.LogKey)
	require.Contains(t, log, "foas=abc123 puppet-foas=def456 puppet-mysql="+c2+"\n", "an artifact without a source version was built from the version's commit")
	require.Contains(t, log, `[{"name":"foas","source_repository":"https://git.example.com/foas.git","source_version":"abc123","file":"foas","sha256":"`)
	require.Contains(t, log, `{"name":"puppet-foas","source_version":"def456","file":"puppet-foas.url","url":"https://repo.example.com/puppet-foas-def456.tgz"},`+
		`{"name":"puppet-mysql","source_version":"`+c2+`","file":"puppet-mysql.url","url":"https://repo.example.com/puppet-mysql.tgz"}]`+"\n")
	require.Equal(t, "PUPPET_MYSQL_1_2", activities.ArtifactEnvName("puppet-mysql.1+2"))
}
