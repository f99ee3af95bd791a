package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConfigFromEnvDefaults(t *testing.T) {
	env := map[string]string{}
	cfg, err := configFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, config{LedgerDSN: ".drover/data/ledger.db", TemporalAddress: "127.0.0.1:7233",
		Namespace: "default", Timeout: 5 * time.Minute}, cfg)

	env["DROVER_SETUP_TIMEOUT"] = "soon"
	_, err = configFromEnv(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "DROVER_SETUP_TIMEOUT")
}

func TestHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	require.NoError(t, healthcheck(srv.URL+"/healthz"))
	require.ErrorContains(t, healthcheck(srv.URL+"/other"), "503")
}
