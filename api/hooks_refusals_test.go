package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/registry"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/identity"
)

func TestHookRefusesBadSignatures(t *testing.T) {
	tests := []struct {
		forge, payload, event string
		header, message       string
	}{
		{"github", "github-push", "push", "X-Hub-Signature-256", "X-Hub-Signature-256"},
		{"gitea", "gitea-push", "push", "X-Gitea-Signature", "X-Gitea-Signature"},
		{"forgejo", "gitea-push", "push", "X-Forgejo-Signature", "X-Gitea-Signature"},
		{"gogs", "gogs-push", "push", "X-Gogs-Signature", "X-Gogs-Signature"},
		{"gitlab", "gitlab-push", "Push Hook", "X-Gitlab-Token", "X-Gitlab-Token"},
	}
	for _, tt := range tests {
		t.Run(tt.forge, func(t *testing.T) {
			f := newHookFixture(t, hookYAML)
			body := f.payload(t, tt.payload)

			wrong := f.deliver(t, tt.forge, tt.event, body, "not the secret")
			require.Equal(t, http.StatusUnauthorized, wrong.Code, wrong.Body.String())
			require.Equal(t, "invalid webhook signature in "+tt.header, decodeBody[ErrorBody](t, wrong.Body.Bytes()).Error.Message)

			headers := hookHeaders(tt.forge, tt.event, body, hookSecretValue)
			var without []string
			for i := 0; i+1 < len(headers); i += 2 {
				if headers[i] != tt.header {
					without = append(without, headers[i], headers[i+1])
				}
			}
			missing := f.do(t, http.MethodPost, "/api/v1/hooks/demo/"+tt.forge, body, without...)
			require.Equal(t, http.StatusUnauthorized, missing.Code, missing.Body.String())
			require.Contains(t, decodeBody[ErrorBody](t, missing.Body.Bytes()).Error.Message, "missing webhook signature: "+tt.message)

			if tt.forge == "gitlab" {
				require.Empty(t, f.builds.started)
				return // the token authenticates, it signs nothing (see TestHookGitLabSigningToken)
			}
			// A body changed after signing does not verify either.
			tampered := f.do(t, http.MethodPost, "/api/v1/hooks/demo/"+tt.forge,
				strings.Replace(body, "refs/heads/main", "refs/heads/evil", 1), headers...)
			require.Equal(t, http.StatusUnauthorized, tampered.Code, tampered.Body.String())
			require.Empty(t, f.builds.started)
		})
	}
}

func TestHookGitLabSigningToken(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	f := newHookFixture(t, hookYAML)
	f.HookSigning = map[string]string{"DEMO": "whsec_" + base64.StdEncoding.EncodeToString(key)}
	body := f.payload(t, "gitlab-push")
	sign := func(id string, ts int64, body string) string {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
		return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	now := time.Now().Unix()
	tests := []struct {
		name   string
		extra  []string
		status int
	}{
		{"no signature", nil, http.StatusUnauthorized},
		{"wrong signature", []string{"webhook-id", "msg_1", "webhook-timestamp", strconv.FormatInt(now, 10),
			"webhook-signature", sign("msg_2", now, body)}, http.StatusUnauthorized},
		{"signed another body", []string{"webhook-id", "msg_1", "webhook-timestamp", strconv.FormatInt(now, 10),
			"webhook-signature", sign("msg_1", now, strings.Replace(body, "main", "evil", 1))}, http.StatusUnauthorized},
		{"old timestamp", []string{"webhook-id", "msg_1", "webhook-timestamp", strconv.FormatInt(now-3600, 10),
			"webhook-signature", sign("msg_1", now-3600, body)}, http.StatusUnauthorized},
		{"valid among others", []string{"webhook-id", "msg_1", "webhook-timestamp", strconv.FormatInt(now, 10),
			"webhook-signature", "v1,Zm9v " + sign("msg_1", now, body)}, http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.deliver(t, "gitlab", "Push Hook", body, hookSecretValue, tt.extra...)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
		})
	}
	require.Len(t, f.builds.started, 1)
}

func TestHookRefusals(t *testing.T) {
	f := newHookFixture(t, hookYAML)
	body := f.payload(t, "github-push")
	tests := []struct {
		name, path, body string
		headers          []string
		status           int
		message          string
	}{
		{"project without secret", "/api/v1/hooks/nohook/github", body, hookHeaders("github", "push", body, hookSecretValue),
			http.StatusNotFound, "no webhook configured for project nohook"},
		{"unknown forge", "/api/v1/hooks/demo/bitbucket", body, nil,
			http.StatusNotFound, `unknown forge "bitbucket"`},
		{"malformed JSON", "/api/v1/hooks/demo/github", `{"ref": "refs/heads/main",`,
			hookHeaders("github", "push", `{"ref": "refs/heads/main",`, hookSecretValue), http.StatusBadRequest, "invalid JSON body"},
		{"wrong types", "/api/v1/hooks/demo/gitea", `{"ref": 3}`,
			hookHeaders("gitea", "push", `{"ref": 3}`, hookSecretValue), http.StatusBadRequest, "invalid JSON body"},
		{"missing event header", "/api/v1/hooks/demo/gogs", body,
			[]string{"X-Gogs-Signature", hmacHex(hookSecretValue, body)}, http.StatusBadRequest, "missing event header"},
		{"project of the path differs", "/api/v1/hooks/other/github", body, hookHeaders("github", "push", body, hookSecretValue),
			http.StatusBadRequest, "webhook of project other, but drover.yaml at " + f.commit + " defines project demo"},
		{"ssh clone URL", "/api/v1/hooks/demo/github", strings.ReplaceAll(body, f.repo.dir, "git@github.com:a/b.git"),
			hookHeaders("github", "push", strings.ReplaceAll(body, f.repo.dir, "git@github.com:a/b.git"), hookSecretValue),
			http.StatusBadRequest, "use an http(s) or file:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, http.MethodPost, tt.path, tt.body, tt.headers...)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, tt.message)
		})
	}
	require.Empty(t, f.builds.started)
}

func TestHookBodyTooLarge(t *testing.T) {
	f := newHookFixture(t, hookYAML)
	f.MaxBody = 1024
	body := f.payload(t, "github-push") // about 4 KiB
	require.Greater(t, len(body), 1024)
	headers := hookHeaders("github", "push", body, hookSecretValue)

	declared := f.do(t, http.MethodPost, "/api/v1/hooks/demo/github", body, headers...)
	require.Equal(t, http.StatusRequestEntityTooLarge, declared.Code, declared.Body.String())

	// Without a Content-Length the limit stops the read.
	req := httptest.NewRequest(http.MethodPost, "/api/v1/hooks/demo/github", strings.NewReader(body))
	req.ContentLength = -1
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, rec.Body.String())
	require.Empty(t, f.builds.started)
}

// refuseAll is an Authenticator that authenticates nobody.
type refuseAll struct{}

func (refuseAll) Authenticate(*http.Request) (identity.User, error) {
	return identity.User{}, identity.ErrNoCredentials
}

func TestHookNeedsNoAPIToken(t *testing.T) {
	f := newHookFixture(t, hookYAML)
	f.Identity = refuseAll{}
	f.Registry = testRegistry(f.repo.dir)
	rec := f.deliver(t, "github", "push", f.payload(t, "github-push"), hookSecretValue)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
}

func TestHookSecretsFromEnviron(t *testing.T) {
	secrets, signing := HookSecretsFromEnviron([]string{
		"PATH=/usr/bin", "DROVER_HOOK_SECRET_WEB_APP_V2=s1", "DROVER_HOOK_SECRET_DEMO=a=b",
		"DROVER_HOOK_SECRET_EMPTY=", "DROVER_HOOK_SIGNING_DEMO=whsec_x",
	})
	require.Equal(t, map[string]string{"WEB_APP_V2": "s1", "DEMO": "a=b"}, secrets)
	require.Equal(t, map[string]string{"DEMO": "whsec_x"}, signing)
	none, _ := HookSecretsFromEnviron([]string{"HOME=/root"})
	require.Nil(t, none)

	for project, want := range map[string]string{"web-app.v2": "WEB_APP_V2", "demo": "DEMO", "a_b": "A_B", "x9": "X9"} {
		require.Equal(t, want, HookEnvSuffix(project), project)
	}
}

// The forges that take webhooks are the ones whose logins the promotion
// recognises in a trigger "<forge>:<login>" for prevent_self_approval.
func TestForgesAreTheContractsForges(t *testing.T) {
	require.ElementsMatch(t, contracts.Forges, slices.Collect(maps.Keys(forges)))
}

// A project registered with its own hook_signing_env is signed by that
// variable's token alone, not by DROVER_HOOK_SIGNING_<its name's suffix>,
// which another project's name (web.app's for web-app) may map to.
func TestHookSigningTokenOfTheRegisteredVariable(t *testing.T) {
	own, others := []byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210")
	f := newHookFixture(t, hookYAML)
	t.Setenv("DEMO_GITLAB_SIGNING", "whsec_"+base64.StdEncoding.EncodeToString(own))
	f.HookSigning = map[string]string{"DEMO": "whsec_" + base64.StdEncoding.EncodeToString(others)}
	r, err := registry.Parse("projects.yaml", []byte("projects:\n  - name: demo\n    paths: [\""+f.repo.dir+
		"\"]\n    hook_signing_env: DEMO_GITLAB_SIGNING\n"))
	require.NoError(t, err)
	f.Registry = r
	body := f.payload(t, "gitlab-push")
	now := time.Now().Unix()
	signed := func(key []byte) []string {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte("msg_1." + strconv.FormatInt(now, 10) + "." + body))
		return []string{"webhook-id", "msg_1", "webhook-timestamp", strconv.FormatInt(now, 10),
			"webhook-signature", "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))}
	}
	rec := f.deliver(t, "gitlab", "Push Hook", body, hookSecretValue, signed(others)...)
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	rec = f.deliver(t, "gitlab", "Push Hook", body, hookSecretValue, signed(own)...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Len(t, f.builds.started, 1)
}
