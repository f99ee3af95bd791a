// Package s3test starts a real S3-compatible server (versitygw, posix
// backend, loopback only) for tests of Drover's S3 code.
package s3test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/drover-ci/drover/awsclient"
)

// Server is a running versitygw.
type Server struct {
	Endpoint  string // http://127.0.0.1:<port>
	AccessKey string
	SecretKey string
	Dir       string // the posix backend's root: one directory per bucket
}

// Binary is the path of the versitygw binary: $DROVER_VERSITYGW, or where
// scripts/versitygw.sh caches it.
func Binary() string {
	if p := os.Getenv("DROVER_VERSITYGW"); p != "" {
		return p
	}
	tools := os.Getenv("DROVER_TOOLS_DIR")
	if tools == "" {
		out, err := exec.Command("go", "env", "GOPATH").Output()
		if err != nil {
			return ""
		}
		tools = filepath.Join(strings.TrimSpace(string(out)), "drover-tools")
	}
	return filepath.Join(tools, "versitygw-v1.8.0", "versitygw")
}

// Start starts a versitygw for the test and stops it when the test ends. When
// the binary is missing the test is skipped, or fails when DROVER_REQUIRE_S3=1
// (as in `make test`, which builds it with scripts/versitygw.sh). In -short
// mode (make unit) the test is always skipped.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("needs versitygw: skipped in -short mode")
	}
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("DROVER_REQUIRE_S3") == "1" {
			t.Fatalf("versitygw not found at %s (run scripts/versitygw.sh): %v", bin, err)
		}
		t.Skipf("versitygw not found at %s; run scripts/versitygw.sh or set DROVER_VERSITYGW", bin)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	s := &Server{Endpoint: "http://" + addr, AccessKey: "drovertest", SecretKey: "drovertest-secret-key", Dir: t.TempDir()}
	cmd := exec.Command(bin, "--port", addr, "--access", s.AccessKey, "--secret", s.SecretKey, "posix", s.Dir)
	logf, err := os.Create(filepath.Join(t.TempDir(), "versitygw.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logf.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("versitygw did not listen on %s within 30s: %s", addr, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Config is the awsclient configuration that reaches s with its keys.
func (s *Server) Config() awsclient.Config {
	return awsclient.Config{
		Region:      "us-east-1",
		S3Endpoint:  s.Endpoint,
		S3PathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	}
}

// Env is the environment a Drover process needs to reach s (the standard AWS
// variables for the keys, Drover's for the endpoint).
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=us-east-1",
		"DROVER_S3_ENDPOINT=" + s.Endpoint,
		"DROVER_S3_PATH_STYLE=1",
	}
}

// Client returns an S3 client for s.
func (s *Server) Client(t testing.TB) *s3.Client {
	t.Helper()
	c, err := s.Config().S3(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Bucket creates a bucket named name and returns name.
func (s *Server) Bucket(t testing.TB, name string) string {
	t.Helper()
	_, err := s.Client(t).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)})
	if err != nil {
		t.Fatalf("%s", fmt.Errorf("create bucket %s: %w", name, err))
	}
	return name
}
