package tests

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/workflows"
)

// TestHTTPCheckOverEveryInstance: an http check over the instances of a
// service passes in dev, where two of three must pass, resolves localhost
// with the worker's resolver, and stops the promotion in prod, where all
// must pass, naming the instance that did not.
func TestHTTPCheckOverEveryInstance(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	instance := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			fmt.Fprintln(w, http.StatusText(status))
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/healthz"
	}
	a, b, sick := instance(http.StatusOK), instance(http.StatusOK), instance(http.StatusServiceUnavailable)
	_, port, err := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(a, "http://"), "/healthz"))
	require.NoError(t, err)
	h.register("foas", h.dataDir, legacyRoles)
	definition := fmt.Sprintf(`project: foas
build:
  stages: [{name: s, tasks: [{name: t, run: "true"}]}]
promotion:
  environments:
    - name: dev
      deploy: {shell: "true"}
      verify:
        - http: {urls: ["%[1]s", "%[2]s", "%[3]s"], min_passing: 2, within: 30s, interval: 100ms}
        - http: {dns: {name: localhost, port: %[4]s, path: /healthz}, min_passing: 1, within: 30s, interval: 100ms}
    - name: prod
      deploy: {shell: "true"}
      verify:
        - http: {urls: ["%[1]s", "%[2]s", "%[3]s"], within: 1s, interval: 100ms}
`, a, b, sick, port)
	var started struct{ ID string }
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/artifacts", map[string]any{
		"project": "foas", "version": "3.1", "commit": strings.Repeat("c", 40), "definition": definition,
	}, &started))

	st := h.waitForPromotion(started.ID, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionStopped, st.Status)
	dev, prod := envOf(st, "dev"), envOf(st, "prod")
	require.Equal(t, workflows.EnvDeployed, dev.State)
	require.Len(t, dev.Verify, 2)
	require.Equal(t, workflows.StepSucceeded, dev.Verify[0].State)
	require.Contains(t, dev.Verify[0].Detail, "2 of 3 instances passed (want 2): "+a+", "+b+"; not passing: "+sick+": ")
	require.Equal(t, workflows.StepSucceeded, dev.Verify[1].State)
	require.Contains(t, dev.Verify[1].Detail, "localhost: 1 of ")
	require.Contains(t, dev.Verify[1].Detail, "http://127.0.0.1:"+port+"/healthz")

	require.Equal(t, workflows.EnvFailed, prod.State)
	require.Equal(t, workflows.StepFailed, prod.Verify[0].State)
	require.Contains(t, prod.Verify[0].Error, "2 of 3 instances passed, want 3: "+sick+": got 503 (")
	require.Contains(t, prod.Verify[0].Error, "; passed: "+a+", "+b+" (GET, want 200 within 1s)")
}
