package sandbox_test

import (
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/sandbox"
)

func TestKillLeftovers(t *testing.T) {
	pids := sandbox.Pids{Dir: t.TempDir()}
	cmd := exec.Command("bash", "-c", "sleep 60 & sleep 60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	_ = pids.Record(cmd.Process.Pid) // never forgotten: the worker "died"

	// A record of a pid whose process is gone is only removed.
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	require.NotNil(t, pids.Record(gone.Process.Pid))

	n, err := pids.KillLeftovers()
	require.NoError(t, err)
	require.Equal(t, 1, n)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the leftover group was not killed")
	}
	// The whole group went: the background sleep too.
	require.Eventually(t, func() bool {
		return syscall.Kill(-cmd.Process.Pid, 0) == syscall.ESRCH
	}, 5*time.Second, 20*time.Millisecond)
	n, err = pids.KillLeftovers()
	require.NoError(t, err)
	require.Zero(t, n)
}

// BenchmarkStart compares starting a trivial script in the sandbox with
// starting it directly: what the sandbox adds to every task.
func BenchmarkStart(b *testing.B) {
	s, err := sandbox.New(sandbox.Options{})
	require.NoError(b, err)
	ws := b.TempDir()
	b.Run("bwrap", func(b *testing.B) {
		for b.Loop() {
			cmd, cleanup, err := s.Command("true", sandbox.Step{Workspace: ws, Env: []string{"PATH=/usr/bin:/bin"}})
			require.NoError(b, err)
			require.NoError(b, cmd.Run())
			cleanup()
		}
	})
	b.Run("bwrap-no-network", func(b *testing.B) {
		for b.Loop() {
			cmd, cleanup, err := s.Command("true", sandbox.Step{Workspace: ws, Env: []string{"PATH=/usr/bin:/bin"}, Network: sandbox.NetworkNone})
			require.NoError(b, err)
			require.NoError(b, cmd.Run())
			cleanup()
		}
	})
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("bash", "-eo", "pipefail", "-c", "true")
			cmd.Dir, cmd.Env = ws, []string{"PATH=/usr/bin:/bin"}
			require.NoError(b, cmd.Run())
		}
	})
}
