package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

const notifyYAML = `project: demo
notify:
  webhooks:
    - {url: "https://hooks.example.com/all"}
build:
  stages:
    - name: verify
      tasks:
        - {name: unit, run: go test ./...}
`

func TestBuildRequestCallbackURL(t *testing.T) {
	ts := newTestServer()
	ts.source.refs[testRepo+"@main"] = testSHA
	ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(notifyYAML)
	start := func(callback string) (int, string) {
		rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main", "callback_url": "`+callback+`"}`)
		return rec.Code, rec.Body.String()
	}
	for _, bad := range []string{"ftp://x.example/", "/relative", "https://user:pw@x.example/cb", "https://"} {
		code, body := start(bad)
		require.Equal(t, http.StatusBadRequest, code, bad)
		require.Contains(t, body, "callback_url")
		require.NotContains(t, body, "pw@", "the refusal does not echo credentials")
	}
	require.Empty(t, ts.builds.started)

	code, body := start("https://tx.example.com/client/callback?job=7")
	require.Equal(t, http.StatusAccepted, code, body)
	in := ts.builds.started[0]
	require.Equal(t, []pipeline.WebhookNotify{
		{URL: "https://hooks.example.com/all"},
		{URL: "https://tx.example.com/client/callback?job=7", Events: []string{"BUILD_COMPLETE"}},
	}, in.Notify.Webhooks, "the project's sinks and the callback, of the build's outcome only")
	def, err := pipeline.Parse("drover.yaml", []byte(notifyYAML))
	require.NoError(t, err)
	require.Len(t, def.Notify.Webhooks, 1, "the definition is not changed")
}

func TestHookCallbackURLAndTheProjectsSinks(t *testing.T) {
	f := newHookFixture(t, hookYAML+`notify:
  webhooks:
    - {url: "https://hooks.example.com/all"}
`)
	body := f.payload(t, "github-push")
	rec := f.do(t, http.MethodPost, "/api/v1/hooks/demo/github?callback_url=https%3A%2F%2Ftx.example.com%2Fcb", body,
		hookHeaders("github", "push", body, hookSecretValue)...)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	in := f.builds.started[0]
	require.Equal(t, []pipeline.WebhookNotify{
		{URL: "https://hooks.example.com/all"},
		{URL: "https://tx.example.com/cb", Events: []string{"BUILD_COMPLETE"}},
	}, in.Notify.Webhooks, "a push's build notifies the project's sinks and the callback")
}
