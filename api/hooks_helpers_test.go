package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
)

const hookSecretValue = "It's a Secret to Everybody"

// hookYAML builds every branch and v* tags.
const hookYAML = `project: demo
triggers:
  tags: ["v*"]
build:
  stages:
    - name: verify
      tasks:
        - {name: unit, run: go test ./...}
`

// hookFixture is a server with the real git source over a repository made
// by the test, the fake Builds, and a webhook secret for project demo.
type hookFixture struct {
	*testServer
	repo   *commitRepo
	commit string
}

func newHookFixture(t *testing.T, definition string) *hookFixture {
	t.Helper()
	ts := newTestServer()
	ts.Source = gitsource.New(t.TempDir())
	ts.HookSecrets = map[string]string{"DEMO": hookSecretValue, "OTHER": hookSecretValue}
	repo := newCommitRepo(t)
	return &hookFixture{testServer: ts, repo: repo, commit: repo.commit(definition)}
}

// payload reads testdata/hooks/<name>.json with its placeholders replaced:
// the commit, ref, clone URL (the test's repository), head commit message
// and changed file, overridden by vars ("__REF__", "refs/tags/v1", ...).
func (f *hookFixture) payload(t *testing.T, name string, vars ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "hooks", name+".json"))
	require.NoError(t, err)
	values := map[string]string{"__AFTER__": f.commit, "__REF__": "refs/heads/main", "__CLONE_URL__": f.repo.dir,
		"__MESSAGE__": "Update the README", "__FILE__": "src/main.go", "__DELETED__": "false"}
	for i := 0; i+1 < len(vars); i += 2 {
		values[vars[i]] = vars[i+1]
	}
	var pairs []string
	for k, v := range values {
		pairs = append(pairs, k, v)
	}
	return strings.NewReplacer(pairs...).Replace(string(data))
}

// deliver posts body to the webhook of project demo from forge, signed as
// that forge signs with secret, plus extra headers.
func (f *hookFixture) deliver(t *testing.T, forge, event, body, secret string, extra ...string) *httptest.ResponseRecorder {
	t.Helper()
	return f.do(t, http.MethodPost, "/api/v1/hooks/demo/"+forge, body, append(hookHeaders(forge, event, body, secret), extra...)...)
}

// hookHeaders are the headers forge sends with a delivery of body.
func hookHeaders(forge, event, body, secret string) []string {
	sig := hmacHex(secret, body)
	switch forge {
	case "github":
		return []string{"X-GitHub-Event", event, "X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958",
			"X-Hub-Signature-256", "sha256=" + sig, "User-Agent", "GitHub-Hookshot/044aadd"}
	case "gitea":
		return []string{"X-Gitea-Event", event, "X-Gitea-Delivery", "f6266f16-1bf3-46a5-9ea4-602e06ead473",
			"X-Gitea-Signature", sig}
	case "forgejo":
		return []string{"X-Forgejo-Event", event, "X-Forgejo-Delivery", "f6266f16-1bf3-46a5-9ea4-602e06ead473",
			"X-Forgejo-Signature", sig}
	case "gogs":
		return []string{"X-Gogs-Event", event, "X-Gogs-Delivery", "f6266f16-1bf3-46a5-9ea4-602e06ead473",
			"X-Gogs-Signature", sig}
	case "gitlab":
		return []string{"X-Gitlab-Event", event, "X-Gitlab-Event-UUID", "13792a34-cac6-4fda-95a8-c58e00a3954e",
			"X-Gitlab-Token", secret}
	}
	return nil
}

func hmacHex(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}
