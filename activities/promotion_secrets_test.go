package activities_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/sandbox"
	"github.com/drover-ci/drover/secrets"
)

// Values of foas's secrets in environmentSecrets.
const (
	projectDBPassword = "project-db-pass-1a2b3c"
	stagingDBPassword = "staging-db-pass-9f8e7d"
	prodDBPassword    = "prod-db-pass-77aa66"
	projectAPIToken   = "project-api-token-3c4d5e"
	stagingCert       = "staging-cert-line-0b1c2d"
)

// environmentSecrets is a secrets service over a real ledger holding foas's
// DB_PASSWORD for the project, staging and prod, its API_TOKEN for the
// project only, and a CERT of staging.
func environmentSecrets(t *testing.T) *secrets.Secrets {
	t.Helper()
	ldg, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { ldg.Close() })
	key := make([]byte, 32)
	_, err = rand.Read(key)
	require.NoError(t, err)
	cipher, err := secrets.CipherFromBase64(base64.StdEncoding.EncodeToString(key))
	require.NoError(t, err)
	s := &secrets.Secrets{Store: ldg, Cipher: cipher}
	for _, sec := range []struct{ env, name, value string }{
		{"", "DB_PASSWORD", projectDBPassword},
		{"staging", "DB_PASSWORD", stagingDBPassword},
		{"prod", "DB_PASSWORD", prodDBPassword},
		{"", "API_TOKEN", projectAPIToken},
		{"staging", "CERT", stagingCert},
	} {
		require.NoError(t, s.Set(context.Background(), "foas", sec.env, sec.name, []byte(sec.value), "test"))
	}
	return s
}

// TestPromotionStepsGetTheirEnvironmentsSecretsMasked: a shell deploy and a
// task check of staging that name secrets get staging's value where staging
// has one (over the project's of the same name), else the project's, never
// another environment's; every value is *** in the step's log, its outputs
// and its failure.
func TestPromotionStepsGetTheirEnvironmentsSecretsMasked(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{})
	require.NoError(t, err)
	refs := []pipeline.SecretRef{{Name: "DB_PASSWORD"}, {Name: "API_TOKEN"}, {Name: "CERT", As: pipeline.SecretAsFile}}
	script := `[ "$DB_PASSWORD" = "` + stagingDBPassword + `" ] && echo "db from the environment"
[ "$API_TOKEN" = "` + projectAPIToken + `" ] && echo "api token from the project"
echo "db=$DB_PASSWORD api=$API_TOKEN cert=$(cat "$DROVER_SECRETS_DIR/CERT")"
printf %s "$DB_PASSWORD" | base64
echo "::output dsn=postgres://app:$DB_PASSWORD@db.staging"
`
	wantLog := []string{
		"=== secrets given: DB_PASSWORD, API_TOKEN, CERT ===\n",
		"db from the environment\n",
		"api token from the project\n",
		"db=*** api=*** cert=***\n",
		"***\n",
	}
	leaked := []string{projectDBPassword, stagingDBPassword, prodDBPassword, projectAPIToken, stagingCert,
		base64.StdEncoding.EncodeToString([]byte(stagingDBPassword))}

	for _, tc := range []struct {
		name string
		sb   *sandbox.Sandbox
	}{{"unsandboxed", nil}, {"sandboxed", sb}} {
		t.Run(tc.name+" deploy", func(t *testing.T) {
			pa, _ := newPromotionActivities(t)
			pa.Tasks.Sandbox, pa.Tasks.Secrets = tc.sb, environmentSecrets(t)
			in := deployInput(script + "exit 0")
			in.Deploy.Secrets, in.SecretsAllowed = refs, true

			var res activities.DeployResult
			require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
			require.Equal(t, map[string]string{"dsn": "postgres://app:***@db.staging"}, res.Outputs)
			log := readKey(t, pa, res.LogKey)
			for _, want := range wantLog {
				require.Contains(t, log, want)
			}
			for _, v := range leaked {
				require.NotContains(t, log, v)
				require.NotContains(t, fmt.Sprint(res.Outputs), v)
			}
			requireNoWorkspaces(t, pa.Tasks)
		})
		t.Run(tc.name+" check", func(t *testing.T) {
			pa, _ := newPromotionActivities(t)
			pa.Tasks.Sandbox, pa.Tasks.Secrets = tc.sb, environmentSecrets(t)
			in := taskCheckInput(script + `echo "failing with $DB_PASSWORD"; exit 1`)
			in.Check.Secrets, in.SecretsAllowed = refs, true

			err := execute(context.Background(), t, pa, pa.CheckTask, in, nil)
			appErr := appError(t, err)
			require.Equal(t, activities.ErrTypeCheckFailed, appErr.Type())
			var res activities.CheckResult
			require.NoError(t, appErr.Details(&res))
			require.Contains(t, res.Detail, "failing with ***\n")
			log := readKey(t, pa, res.LogKey)
			for _, want := range append(wantLog, "failing with ***\n") {
				require.Contains(t, log, want)
			}
			for _, v := range leaked {
				require.NotContains(t, log, v)
				require.NotContains(t, res.Detail, v)
				require.NotContains(t, fmt.Sprint(err), v)
			}
			requireNoWorkspaces(t, pa.Tasks)
		})
	}
}

// TestPromotionStepSecretsWithheldOrMissing: a step of a version of an
// untrusted branch gets no secret; one naming a secret neither the
// environment nor the project has fails at once, naming it.
func TestPromotionStepSecretsWithheldOrMissing(t *testing.T) {
	pa, _ := newPromotionActivities(t)
	pa.Tasks.Secrets = environmentSecrets(t)
	in := deployInput(`echo "db=${DB_PASSWORD:-none}"`)
	in.Deploy.Secrets = []pipeline.SecretRef{{Name: "DB_PASSWORD"}} // SecretsAllowed false
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	log := readKey(t, pa, res.LogKey)
	require.Contains(t, log, "secrets withheld")
	require.Contains(t, log, "db=none\n")

	in.SecretsAllowed = true
	in.Deploy.Secrets = []pipeline.SecretRef{{Name: "MISSING"}}
	appErr := appError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	require.Equal(t, activities.ErrTypeDeployFailed, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Message(), "secret MISSING is not set for project foas (or its environment staging)")
}
