package bootstrap_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/drover-ci/drover/bootstrap"
)

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "drover-worker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

func TestTemporalConnection(t *testing.T) {
	cert, key := writeCert(t)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	var plain client.Options
	require.NoError(t, bootstrap.TemporalConnectionFromEnv(env(nil)).Apply(&plain))
	require.Nil(t, plain.ConnectionOptions.TLS, "a local server needs no TLS")

	var mtls client.Options
	require.NoError(t, bootstrap.TemporalConnectionFromEnv(env(map[string]string{
		"DROVER_TEMPORAL_TLS_CERT": cert, "DROVER_TEMPORAL_TLS_KEY": key, "DROVER_TEMPORAL_TLS_CA": cert,
		"DROVER_TEMPORAL_TLS_SERVER_NAME": "ns.tmprl.cloud"})).Apply(&mtls))
	require.Len(t, mtls.ConnectionOptions.TLS.Certificates, 1)
	require.NotNil(t, mtls.ConnectionOptions.TLS.RootCAs)
	require.Equal(t, "ns.tmprl.cloud", mtls.ConnectionOptions.TLS.ServerName)
	require.Nil(t, mtls.Credentials)

	var apiKey client.Options
	require.NoError(t, bootstrap.TemporalConnectionFromEnv(env(map[string]string{"DROVER_TEMPORAL_API_KEY": "secret-key"})).Apply(&apiKey))
	require.NotNil(t, apiKey.ConnectionOptions.TLS, "an API key goes over TLS")
	require.NotNil(t, apiKey.Credentials)

	for _, tt := range []struct {
		address, setting string
		want             client.GrpcCompression
	}{
		{"127.0.0.1:7233", "", &client.GrpcCompressionNone{}},
		{"localhost:7233", "", &client.GrpcCompressionNone{}},
		{"[::1]:7233", "auto", &client.GrpcCompressionNone{}},
		{"", "", &client.GrpcCompressionNone{}}, // the SDK's default, localhost
		{"temporal:7233", "", nil},              // the SDK's default, gzip
		{"ns.tmprl.cloud:7233", "auto", nil},
		{"127.0.0.1:7233", "gzip", &client.GrpcCompressionGzip{}},
		{"temporal:7233", "none", &client.GrpcCompressionNone{}},
	} {
		o := client.Options{HostPort: tt.address}
		require.NoError(t, bootstrap.TemporalConnectionFromEnv(env(map[string]string{"DROVER_TEMPORAL_COMPRESSION": tt.setting})).Apply(&o))
		require.Equal(t, tt.want, o.ConnectionOptions.GrpcCompression, "%s %s", tt.address, tt.setting)
	}
	var bad client.Options
	require.ErrorContains(t, bootstrap.TemporalConnectionFromEnv(env(map[string]string{"DROVER_TEMPORAL_COMPRESSION": "zstd"})).Apply(&bad),
		"DROVER_TEMPORAL_COMPRESSION")

	for name, vars := range map[string]map[string]string{
		"cert without key": {"DROVER_TEMPORAL_TLS_CERT": cert},
		"missing CA":       {"DROVER_TEMPORAL_TLS_CA": filepath.Join(t.TempDir(), "none.pem")},
		"CA not PEM":       {"DROVER_TEMPORAL_TLS_CA": key + ".nope"},
		"key not matching": {"DROVER_TEMPORAL_TLS_CERT": cert, "DROVER_TEMPORAL_TLS_KEY": cert},
	} {
		var o client.Options
		err := bootstrap.TemporalConnectionFromEnv(env(vars)).Apply(&o)
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "DROVER_TEMPORAL_TLS", name)
	}
}
