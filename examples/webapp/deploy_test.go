package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDeployOutlivesProcessGroup runs deploy.sh the way Drover runs a shell
// deploy: in its own process group, which is SIGKILLed as soon as the script
// exits. The service it starts must survive that, first deploy and redeploy.
func TestDeployOutlivesProcessGroup(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("setsid not installed")
	}
	artifacts, home := t.TempDir(), t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(artifacts, "webapp"), ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build webapp: %v\n%s", err, out)
	}
	port := freePort(t)
	t.Cleanup(func() {
		if pid, err := os.ReadFile(filepath.Join(home, "dev", "pid")); err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil {
				_ = syscall.Kill(n, syscall.SIGTERM)
			}
		}
	})
	for i := range 5 {
		cmd := exec.Command("bash", "deploy.sh", "dev")
		cmd.Env = append(os.Environ(), "DROVER_ARTIFACTS_DIR="+artifacts, "DROVER_EXAMPLE_HOME="+home,
			"DROVER_EXAMPLE_PORT="+strconv.Itoa(port), fmt.Sprintf("DROVER_VERSION=v%d", i))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := cmd.CombinedOutput()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if err != nil {
			t.Fatalf("deploy %d: %v\n%s", i, err, out)
		}
		if !strings.Contains(string(out), "::output url=http://127.0.0.1:"+strconv.Itoa(port)) {
			t.Fatalf("deploy %d printed no url output:\n%s", i, out)
		}
		if !answers(fmt.Sprintf("http://127.0.0.1:%d/healthz", port)) {
			t.Fatalf("deploy %d: the service does not answer after its deploy's process group was killed", i)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// answers polls url for a 200 for up to 5 seconds.
func answers(url string) bool {
	client := http.Client{Timeout: time.Second}
	for range 50 {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
