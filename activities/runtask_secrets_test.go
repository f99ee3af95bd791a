package activities_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/sandbox"
	"github.com/drover-ci/drover/secrets"
)

// fakeSecretValues holds the values of secrets per project and environment.
type fakeSecretValues map[string]string // "project/env/name" → value

func (f fakeSecretValues) Values(_ context.Context, project, env string, names []string) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range names {
		v, ok := f[project+"/"+env+"/"+n]
		if !ok {
			v, ok = f[project+"//"+n]
		}
		if !ok {
			return nil, fmt.Errorf("secret %s is not set for project %s: %w", n, project, secrets.ErrNotFound)
		}
		out[n] = v
	}
	return out, nil
}

func TestRunTaskGivesNamedSecretsMasked(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		sb   *sandbox.Sandbox
	}{{"unsandboxed", nil}, {"sandboxed", sb}} {
		t.Run(tc.name, func(t *testing.T) {
			a := newActivities(t)
			a.Sandbox = tc.sb
			a.Secrets = fakeSecretValues{"foas//TOKEN": "tok-3c9e1f-value", "foas//KEY": "key-file-7a2b-value", "other//OTHER": "other-value-55"}
			in := taskInput(`echo "token=$TOKEN other=${OTHER:-none}"
echo "key=$(cat "$DROVER_SECRETS_DIR/KEY")"
printf %s "$TOKEN" | base64
exit 4`)
			in.SecretsAllowed = true
			in.Task.Secrets = []pipeline.SecretRef{{Name: "TOKEN"}, {Name: "KEY", As: pipeline.SecretAsFile}}
			_, err := runTask(context.Background(), t, a, in)
			appErr := appError(t, err)
			require.Equal(t, activities.ErrTypeTaskFailed, appErr.Type())
			var res activities.RunTaskResult
			require.NoError(t, appErr.Details(&res))
			require.Equal(t, "token=*** other=none\nkey=***\n***\n", res.OutputTail)
			log := readLog(t, a, in)
			require.Contains(t, log, "=== secrets given: TOKEN, KEY ===")
			require.Contains(t, log, "token=*** other=none\n")
			for _, v := range []string{"tok-3c9e1f-value", "key-file-7a2b-value", "other-value-55"} {
				require.NotContains(t, log, v)
				require.NotContains(t, fmt.Sprint(err), v)
			}
			requireNoWorkspaces(t, a)
		})
	}
}

func TestRunTaskSecretsWithheldOrMissing(t *testing.T) {
	a := newActivities(t)
	a.Secrets = fakeSecretValues{"foas//TOKEN": "tok-withheld-value"}
	in := taskInput(`echo "token=${TOKEN:-none}"`)
	in.Task.Secrets = []pipeline.SecretRef{{Name: "TOKEN"}}
	res, err := runTask(context.Background(), t, a, in) // SecretsAllowed false: an untrusted branch
	require.NoError(t, err)
	require.Equal(t, "token=none\n", res.OutputTail)
	require.Contains(t, readLog(t, a, in), "secrets withheld")

	in.SecretsAllowed = true
	in.Task.Secrets = []pipeline.SecretRef{{Name: "MISSING"}}
	_, err = runTask(context.Background(), t, a, in)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeBadTask, appErr.Type())
	require.Contains(t, appErr.Message(), "secret MISSING is not set for project foas")
	require.True(t, appErr.NonRetryable())
}
