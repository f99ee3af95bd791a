package bootstrap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"go.temporal.io/sdk/client"
)

// TemporalConnection says how to authenticate to the Temporal frontend:
// nothing (a local or in-cluster server), TLS, mTLS with a client
// certificate, or an API key (Temporal Cloud takes either of the last two).
type TemporalConnection struct {
	// TLS turns TLS on with the system's roots (DROVER_TEMPORAL_TLS=1); a
	// certificate, a CA or an API key turn it on too.
	TLS bool
	// CertFile and KeyFile are the client certificate and key for mTLS
	// (DROVER_TEMPORAL_TLS_CERT, DROVER_TEMPORAL_TLS_KEY).
	CertFile, KeyFile string
	// CAFile verifies the server with this CA instead of the system's roots
	// (DROVER_TEMPORAL_TLS_CA); ServerName overrides the name checked
	// (DROVER_TEMPORAL_TLS_SERVER_NAME).
	CAFile, ServerName string
	// APIKey is sent as a bearer token on every call
	// (DROVER_TEMPORAL_API_KEY); a secret.
	APIKey string
	// Compression is the gRPC compression of calls to Temporal
	// (DROVER_TEMPORAL_COMPRESSION): CompressionGzip, CompressionNone, or
	// empty for CompressionAuto.
	Compression string
}

// Values of TemporalConnection.Compression.
const (
	// CompressionAuto compresses with gzip unless the frontend's address is
	// a loopback one (localhost, 127.0.0.0/8, ::1), where gzip only costs
	// CPU: on a local dev server it took about a tenth of the worker's.
	CompressionAuto = "auto"
	CompressionGzip = "gzip"
	CompressionNone = "none"
)

// TemporalConnectionFromEnv reads the connection settings through getenv.
func TemporalConnectionFromEnv(getenv func(string) string) TemporalConnection {
	return TemporalConnection{
		TLS:         getenv("DROVER_TEMPORAL_TLS") == "1" || getenv("DROVER_TEMPORAL_TLS") == "true",
		CertFile:    getenv("DROVER_TEMPORAL_TLS_CERT"),
		KeyFile:     getenv("DROVER_TEMPORAL_TLS_KEY"),
		CAFile:      getenv("DROVER_TEMPORAL_TLS_CA"),
		ServerName:  getenv("DROVER_TEMPORAL_TLS_SERVER_NAME"),
		APIKey:      getenv("DROVER_TEMPORAL_API_KEY"),
		Compression: getenv("DROVER_TEMPORAL_COMPRESSION"),
	}
}

// Apply sets opts's gRPC compression, TLS and credentials. Files are read
// now, so a wrong path is an error at start, naming the variable (never the
// key's content).
func (c TemporalConnection) Apply(opts *client.Options) error {
	switch c.Compression {
	case "", CompressionAuto:
		if isLoopback(opts.HostPort) {
			opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
		}
	case CompressionNone:
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	case CompressionGzip:
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionGzip{}
	default:
		return fmt.Errorf("DROVER_TEMPORAL_COMPRESSION: %q is none of auto, gzip, none", c.Compression)
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return errors.New("DROVER_TEMPORAL_TLS_CERT and DROVER_TEMPORAL_TLS_KEY go together: set both for mTLS, or neither")
	}
	if !c.TLS && c.CertFile == "" && c.CAFile == "" && c.APIKey == "" {
		return nil
	}
	cfg := &tls.Config{ServerName: c.ServerName, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return fmt.Errorf("DROVER_TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("DROVER_TEMPORAL_TLS_CA: no PEM certificate in %s", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return fmt.Errorf("DROVER_TEMPORAL_TLS_CERT/KEY: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	opts.ConnectionOptions.TLS = cfg
	if c.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey)
	}
	return nil
}

// Dial applies c to opts and dials Temporal as DialTemporal does, retrying
// until Temporal answers or ctx ends.
func (c TemporalConnection) Dial(ctx context.Context, opts client.Options, logger *slog.Logger) (client.Client, error) {
	if err := c.Apply(&opts); err != nil {
		return nil, err
	}
	return DialTemporal(ctx, opts, logger)
}

// isLoopback reports whether hostPort (client.DefaultHostPort when empty)
// names this machine by a loopback address or localhost.
func isLoopback(hostPort string) bool {
	if hostPort == "" {
		hostPort = client.DefaultHostPort
	}
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		host = hostPort
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
