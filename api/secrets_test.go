package api

import (
	"context"
	"crypto/rand"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/secrets"
)

func secretsServer(t *testing.T) (*testServer, *ledger.Ledger, *secrets.Secrets) {
	t.Helper()
	l, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	key := make([]byte, 32)
	_, err = rand.Read(key)
	require.NoError(t, err)
	cipher, err := secrets.NewCipher(key)
	require.NoError(t, err)
	ts := newTestServer()
	ts.Identity = testIdentity()
	reg, err := registry.Parse("projects.yaml", []byte("projects:\n"+
		"  - name: foas\n"+
		"    paths: [/srv/repos/foas]\n"+
		"    roles: {build: [bob], admin: [alice]}\n"))
	require.NoError(t, err)
	ts.Registry = reg
	store := &secrets.Secrets{Store: l, Cipher: cipher}
	ts.Secrets, ts.SecretLedger, ts.Audit = store, l, l
	return ts, l, store
}

func TestSecretsRoutes(t *testing.T) {
	ts, l, store := secretsServer(t)
	const value = "s3cr3t-value-42"
	alice := []string{"Authorization", "Bearer " + aliceToken}

	// Without a token nothing is set, listed or removed.
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/v1/projects/foas/secrets/TOKEN", `{"value":"` + value + `"}`},
		{http.MethodGet, "/api/v1/projects/foas/secrets", ""},
		{http.MethodDelete, "/api/v1/projects/foas/secrets/TOKEN", ""},
	} {
		rec := ts.do(t, r.method, r.path, r.body)
		require.Equal(t, http.StatusUnauthorized, rec.Code, r.method+" "+r.path)
	}

	// bob builds foas but does not administer it.
	rec := ts.do(t, http.MethodPut, "/api/v1/projects/foas/secrets/TOKEN", `{"value":"`+value+`"}`, "Authorization", "Bearer "+bobToken)
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "lacks role admin")

	rec = ts.do(t, http.MethodPut, "/api/v1/projects/foas/secrets/TOKEN", `{"value":"`+value+`"}`, alice...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NotContains(t, rec.Body.String(), value)
	rec = ts.do(t, http.MethodPut, "/api/v1/projects/foas/secrets/TOKEN", `{"value":"prod-`+value+`","environment":"prod"}`, alice...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	got, err := store.Values(context.Background(), "foas", "prod", []string{"TOKEN"})
	require.NoError(t, err)
	require.Equal(t, "prod-"+value, got["TOKEN"])

	rec = ts.do(t, http.MethodGet, "/api/v1/projects/foas/secrets", "", alice...)
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotContains(t, rec.Body.String(), value)
	list := decodeBody[SecretList](t, rec.Body.Bytes())
	require.Len(t, list.Secrets, 2)
	require.Equal(t, SecretInfo{Project: "foas", Name: "TOKEN", SetBy: "alice", SetAt: list.Secrets[0].SetAt}, list.Secrets[0])
	require.Equal(t, "prod", list.Secrets[1].Environment)

	for _, bad := range []struct{ path, body string }{
		{"/api/v1/projects/foas/secrets/DROVER_X", `{"value":"v"}`},
		{"/api/v1/projects/foas/secrets/A-B", `{"value":"v"}`},
		{"/api/v1/projects/foas/secrets/EMPTY", `{"value":""}`},
		{"/api/v1/projects/foas/secrets/X", `{"value":"v","extra":1}`},
	} {
		rec := ts.do(t, http.MethodPut, bad.path, bad.body, alice...)
		require.Equal(t, http.StatusBadRequest, rec.Code, bad.path+" "+bad.body)
	}

	rec = ts.do(t, http.MethodDelete, "/api/v1/projects/foas/secrets/TOKEN?environment=prod", "", alice...)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	rec = ts.do(t, http.MethodDelete, "/api/v1/projects/foas/secrets/TOKEN?environment=prod", "", alice...)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())

	audit, err := l.ListAudit(context.Background(), ledger.AuditQuery{Project: "foas"})
	require.NoError(t, err)
	var actions []string
	refusedBob := false
	for _, e := range audit {
		if e.Outcome != ledger.AuditAllowed {
			refusedBob = refusedBob || e.Actor == "bob"
			continue
		}
		require.Equal(t, "alice", e.Actor)
		require.Equal(t, ledger.AuditAllowed, e.Outcome)
		actions = append(actions, e.Action+" "+e.Target)
	}
	require.True(t, refusedBob, "bob's refused attempt is audited")
	require.ElementsMatch(t, []string{"secret.set TOKEN", "secret.set prod/TOKEN", "secret.rm prod/TOKEN"}, actions)
}

func TestSecretsRoutesOff(t *testing.T) {
	ts := newTestServer()
	rec := ts.do(t, http.MethodGet, "/api/v1/projects/foas/secrets", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
}

func TestLogsNeedACallerWithIdentity(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Ffoas%2Fc0ffee/tasks/verify/unit/log", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	rec = ts.do(t, http.MethodGet, "/api/v1/builds/build%2Ffoas%2Fc0ffee/artifacts/s/t/n", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	rec = ts.do(t, http.MethodGet, "/api/v1/builds/build%2Ffoas%2Fc0ffee/tasks/verify/unit/log", "", "Authorization", "Bearer "+bobToken)
	require.NotEqual(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
}

func TestSecretsAllowedOnlyForTrustedBranches(t *testing.T) {
	s := &Server{}
	require.True(t, s.secretsAllowed("foas", "main"))
	require.False(t, s.secretsAllowed("foas", "feature/x"))
	require.False(t, s.secretsAllowed("foas", ""))

	reg, err := registry.Parse("projects.yaml", []byte("projects:\n"+
		"  - name: foas\n"+
		"    paths: [/srv/repos/foas]\n"+
		"    trusted_branches: [\"release/*\"]\n"))
	require.NoError(t, err)
	s.Registry = reg
	require.True(t, s.secretsAllowed("foas", "release/1.2"))
	require.False(t, s.secretsAllowed("foas", "main"), "the registration names the trusted branches")
	require.False(t, s.secretsAllowed("other", "main"), "an unregistered project gets no secrets")
}
