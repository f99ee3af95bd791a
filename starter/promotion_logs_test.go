package starter

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts/rest"
)

// stepLogAPI answers the step log route with log, or with events when followed.
type stepLogAPI struct {
	mu     sync.Mutex
	log    string
	events []string
	paths  []string
}

func (s *stepLogAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.paths = append(s.paths, r.URL.EscapedPath()+"?"+r.URL.RawQuery)
	s.mu.Unlock()
	if r.URL.Query().Get("follow") != "" {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, strings.Join(s.events, ""))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, s.log)
}

func TestPromotionLogs(t *testing.T) {
	base := "/api/v1/promotions/promote%2Fdemo%2F1.0/environments/prod/steps/"
	for _, tt := range []struct {
		name           string
		args           []string
		events         []string
		code           int
		stdout, stderr string
		path           string
	}{
		{name: "deploy by default", args: []string{"promote/demo/1.0", "prod"}, stdout: "deployed\n", path: base + "deploy/log?"},
		{name: "a check by number", args: []string{"promote/demo/1.0", "prod", "2"}, stdout: "deployed\n", path: base + "2/log?"},
		{name: "follow a failing check", args: []string{"promote/demo/1.0", "prod", "verify-0", "-f"},
			events: sse("GET /items: 500", "end=failed"), code: 1, stdout: "GET /items: 500\n", stderr: "verify-0 of prod: failed\n",
			path: base + "verify-0/log?follow=1"},
		{name: "follow to success", args: []string{"promote/demo/1.0", "prod", "--follow"},
			events: sse("ok", "end=succeeded"), stdout: "ok\n", path: base + "deploy/log?follow=1"},
		{name: "too few arguments", args: []string{"promote/demo/1.0"}, code: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &stepLogAPI{log: "deployed\n", events: tt.events}
			code, stdout, stderr := runCLI(t, api, nil, false, append([]string{"promotion", "logs"}, tt.args...)...)
			require.Equal(t, tt.code, code, stderr)
			if tt.code == 2 {
				require.Empty(t, api.paths)
				return
			}
			require.Equal(t, tt.stdout, stdout)
			require.Equal(t, tt.stderr, stderr)
			require.Equal(t, []string{tt.path}, api.paths)
		})
	}
}

func TestEnvFreezeAndUnfreeze(t *testing.T) {
	path := "/api/v1/environments/demo/prod/freeze"
	until := t0.Add(90*time.Second + 72*time.Hour).UTC()
	api := &promoAPI{replies: map[string]promoReply{
		"PUT " + path:    {200, rest.Freeze{Project: "demo", Environment: "prod", Reason: "holiday", By: "erin", Until: &until}},
		"DELETE " + path: {204, nil},
	}}
	code, stdout, stderr := runCLI(t, api, tokenEnv, false, "env", "freeze", "demo", "prod", "-m", "holiday", "--until", "72h")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "prod of demo is frozen: holiday, until "+until.Format(time.RFC3339)+"\n", stdout)
	require.Equal(t, map[string]any{"reason": "holiday", "until": until.Format(time.RFC3339)}, api.requests[0].body)

	code, stdout, stderr = runCLI(t, api, tokenEnv, false, "env", "unfreeze", "demo", "prod")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "prod of demo is no longer frozen\n", stdout)

	code, _, stderr = runCLI(t, api, tokenEnv, false, "env", "freeze", "demo", "prod", "-m", "x", "--until", "soon")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `--until "soon"`)
}
