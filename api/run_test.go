package api

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/awsclient"
	"github.com/drover-ci/drover/storage"
	"github.com/drover-ci/drover/workflows"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Config
		err  string
	}{
		{name: "defaults", env: map[string]string{}, want: Config{
			TemporalAddress: "127.0.0.1:7233", TemporalNamespace: "default", ListenAddr: "127.0.0.1:8080",
			DataDir: ".drover/data", LedgerDSN: ".drover/data/ledger.db", PublicURL: "http://127.0.0.1:8080",
			MaxBody: 1 << 20, ShutdownTimeout: 10 * time.Second, Storage: storage.Config{Kind: storage.KindFS}}},
		{name: "set", env: map[string]string{
			"DROVER_TEMPORAL_ADDRESS": "temporal:7233", "DROVER_TEMPORAL_NAMESPACE": "ci", "DROVER_API_ADDR": ":9000",
			"DROVER_DATA_DIR": "/var/lib/drover", "DROVER_API_MAX_BODY": "2048", "DROVER_TASK_HEARTBEAT_TIMEOUT": "5s",
			"DROVER_TASK_INFRA_RETRIES": "3",
			"DROVER_IDENTITY_FILE":      "/etc/drover/identity.yaml", "DROVER_PROJECTS_FILE": "/etc/drover/projects.yaml",
			"DROVER_BLOB_STORE": "s3", "DROVER_S3_BUCKET": "drover",
			"DROVER_S3_ENDPOINT": "http://s3:7070", "DROVER_SESSION_KEY": "k", "DROVER_TEMPORAL_WEB_URL": "http://tw:8233"},
			want: Config{TemporalAddress: "temporal:7233", TemporalNamespace: "ci", ListenAddr: ":9000",
				DataDir: "/var/lib/drover", LedgerDSN: "/var/lib/drover/ledger.db", PublicURL: "http://localhost:9000",
				MaxBody: 2048, TaskHeartbeatTimeout: 5 * time.Second, TaskInfraRetries: 3, ShutdownTimeout: 10 * time.Second,
				IdentityFile: "/etc/drover/identity.yaml", ProjectsFile: "/etc/drover/projects.yaml",
				Storage: storage.Config{Kind: storage.KindS3, Bucket: "drover", AWS: awsclient.Config{S3Endpoint: "http://s3:7070"}},
				Pages:   web.Options{SessionKey: []byte("k"), TemporalWebURL: "http://tw:8233"}}},
		{name: "explicit ledger and url", env: map[string]string{
			"DROVER_LEDGER_DSN": "postgres://db/drover", "DROVER_PUBLIC_URL": "https://drover.example.com"}, want: Config{
			TemporalAddress: "127.0.0.1:7233", TemporalNamespace: "default", ListenAddr: "127.0.0.1:8080",
			DataDir: ".drover/data", LedgerDSN: "postgres://db/drover", PublicURL: "https://drover.example.com",
			MaxBody: 1 << 20, ShutdownTimeout: 10 * time.Second, Storage: storage.Config{Kind: storage.KindFS}}},
		{name: "bad max body", env: map[string]string{"DROVER_API_MAX_BODY": "lots"}, err: "DROVER_API_MAX_BODY"},
		{name: "bad heartbeat", env: map[string]string{"DROVER_TASK_HEARTBEAT_TIMEOUT": "soon"}, err: "DROVER_TASK_HEARTBEAT_TIMEOUT"},
		{name: "infra retries off", env: map[string]string{"DROVER_TASK_INFRA_RETRIES": "0"}, want: Config{
			TemporalAddress: "127.0.0.1:7233", TemporalNamespace: "default", ListenAddr: "127.0.0.1:8080",
			DataDir: ".drover/data", LedgerDSN: ".drover/data/ledger.db", PublicURL: "http://127.0.0.1:8080",
			MaxBody: 1 << 20, ShutdownTimeout: 10 * time.Second, Storage: storage.Config{Kind: storage.KindFS}}},
		{name: "bad infra retries", env: map[string]string{"DROVER_TASK_INFRA_RETRIES": "many"}, err: "DROVER_TASK_INFRA_RETRIES"},
		{name: "negative infra retries", env: map[string]string{"DROVER_TASK_INFRA_RETRIES": "-1"}, err: "DROVER_TASK_INFRA_RETRIES"},
		{name: "too many infra retries", env: map[string]string{"DROVER_TASK_INFRA_RETRIES": "101"}, err: "DROVER_TASK_INFRA_RETRIES"},
		{name: "s3 without bucket", env: map[string]string{"DROVER_BLOB_STORE": "s3"}, err: "DROVER_S3_BUCKET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, cfg.Logger)
			cfg.Logger = nil
			require.Equal(t, tt.want, cfg)
		})
	}
}

func TestServeShutsDownWithOpenStreams(t *testing.T) {
	ts := newTestServer()
	ts.builds.set(logState(workflows.TaskBuilding))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := Config{ShutdownTimeout: time.Minute}
	cfg.setDefaults()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, cfg, ts.Server) }()

	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// A followed log stays open until the server shuts down.
	resp, err = http.Get(base + "/api/v1/builds/build%2Fdemo%2Fabc/tasks/verify/unit/log?follow=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after its context was cancelled")
	}
	_, err = http.Get(base + "/healthz")
	require.Error(t, err, "the server no longer listens")
}

func TestRunRefusesABadIdentityFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identity.yaml")
	require.NoError(t, os.WriteFile(path, []byte("users:\n  - {name: alice, token: plain}\n"), 0o600))
	err := Run(t.Context(), Config{IdentityFile: path, DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"})
	require.ErrorContains(t, err, "load identity file: "+path+":2:")
	require.ErrorContains(t, err, `unknown field "token"`)
	require.NotContains(t, err.Error(), "plain")
}

func TestRunRefusesABadProjectsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "projects.yaml")
	require.NoError(t, os.WriteFile(path, []byte("projects:\n  - name: hello\n    paths: [/srv/hello]\n    reads: open\n"), 0o600))
	err := Run(t.Context(), Config{ProjectsFile: path, DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"})
	require.ErrorContains(t, err, "load projects file: "+path+":4:")
	require.ErrorContains(t, err, "projects[0].reads: must be public or private")

	err = Run(t.Context(), Config{ProjectsFile: filepath.Join(t.TempDir(), "missing.yaml"), DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"})
	require.ErrorContains(t, err, "load projects file")
}
