package starter_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/secrets"
	"github.com/drover-ci/drover/starter"
)

func TestSecretCommands(t *testing.T) {
	l, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	key := make([]byte, 32)
	_, err = rand.Read(key)
	require.NoError(t, err)
	cipher, err := secrets.NewCipher(key)
	require.NoError(t, err)
	ids, err := identity.Parse("ids.yaml", []byte("users:\n  - {name: alice, token_sha256: \""+identity.HashToken("alice-token")+"\"}\n"))
	require.NoError(t, err)
	reg, err := registry.Parse("projects.yaml", []byte("projects:\n  - {name: foas, paths: [/srv/repos/foas], roles: {admin: [alice]}}\n"))
	require.NoError(t, err)
	store := &secrets.Secrets{Store: l, Cipher: cipher}
	srv := httptest.NewServer((&api.Server{History: l, Identity: ids, Registry: reg, Secrets: store, SecretLedger: l, Audit: l}).Handler())
	t.Cleanup(srv.Close)

	run := func(stdin, token string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := starter.Execute(context.Background(), append([]string{"--url", srv.URL}, args...), starter.Env{
			Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
			Getenv: func(k string) string {
				if k == "DROVER_TOKEN" {
					return token
				}
				return ""
			},
		})
		return code, out.String(), errOut.String()
	}
	code, out, errOut := run("aws-value-1\n", "alice-token", "secret", "set", "foas", "AWS_SECRET_ACCESS_KEY")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "secret AWS_SECRET_ACCESS_KEY set for project foas\n", out)
	code, _, errOut = run("prod-db", "alice-token", "secret", "set", "foas", "--env", "prod", "DB_PASSWORD")
	require.Equal(t, 0, code, errOut)

	got, err := store.Values(context.Background(), "foas", "prod", []string{"AWS_SECRET_ACCESS_KEY", "DB_PASSWORD"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"AWS_SECRET_ACCESS_KEY": "aws-value-1", "DB_PASSWORD": "prod-db"}, got)

	code, out, errOut = run("", "alice-token", "secret", "list", "foas")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "AWS_SECRET_ACCESS_KEY  (project)")
	require.Contains(t, out, "DB_PASSWORD            prod")
	require.Contains(t, out, "alice")
	require.NotContains(t, out, "aws-value-1")

	code, _, errOut = run("x", "", "secret", "set", "foas", "OTHER")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "authentication required")
	code, _, _ = run("", "alice-token", "secret", "set", "foas", "EMPTY")
	require.Equal(t, 2, code, "no value on stdin")

	code, out, errOut = run("", "alice-token", "secret", "rm", "foas", "--env", "prod", "DB_PASSWORD")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "secret DB_PASSWORD removed from environment prod of foas\n", out)
	code, _, errOut = run("", "alice-token", "secret", "rm", "foas", "--env", "prod", "DB_PASSWORD")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "not set")
}
