package activities

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// syncBuffer collects output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitPID(t *testing.T, file string) int {
	t.Helper()
	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(file)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	return pid
}

// running reports whether pid exists and is not a zombie.
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func requireStopped(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool { return !running(pid) }, 5*time.Second, 10*time.Millisecond, "process %d survived", pid)
}

func TestRunProcessKillsLeftoverChildren(t *testing.T) {
	tests := []struct {
		name   string
		script string
		exit   int
	}{
		{"child holding the output", `sleep 100 & echo $! > "$PIDFILE"`, 0},
		{"child with its own output", `sleep 100 >/dev/null 2>&1 & echo $! > "$PIDFILE"`, 0},
		{"failing script", `sleep 100 & echo $! > "$PIDFILE"; exit 3`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			var out syncBuffer
			res, err := runProcess(context.Background(), processSpec{
				Script: tt.script, Dir: t.TempDir(), Env: []string{"PIDFILE=" + pidFile, "PATH=" + os.Getenv("PATH")},
				Output: &out, KillGrace: time.Second,
			})
			require.NoError(t, err)
			require.Equal(t, tt.exit, res.ExitCode)
			require.False(t, res.TimedOut)
			requireStopped(t, waitPID(t, pidFile))
		})
	}
}

func TestRunProcessReturnsWhenAnEscapedProcessHoldsTheOutput(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	var out syncBuffer
	res, err := runProcess(context.Background(), processSpec{
		Script: `setsid sleep 100 & echo $! > "$PIDFILE"; echo done`, Dir: t.TempDir(),
		Env:    []string{"PIDFILE=" + pidFile, "PATH=" + os.Getenv("PATH")},
		Output: &out, KillGrace: time.Second,
	})
	pid := waitPID(t, pidFile)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode)
	require.Equal(t, "done\n", out.String())
}

func TestRunProcessCancelEscalatesToSIGKILL(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	started := make(chan struct{})
	go func() {
		<-started
		waitPID(t, pidFile)
		cancel()
	}()
	res, err := runProcess(ctx, processSpec{
		Script: `trap 'echo got TERM' TERM; echo $$ > "$PIDFILE"; while :; do sleep 0.05 || true; done`,
		Dir:    t.TempDir(), Env: []string{"PIDFILE=" + pidFile, "PATH=" + os.Getenv("PATH")},
		Output: &out, KillGrace: 300 * time.Millisecond,
		OnStart: func() { close(started) },
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, -1, res.ExitCode, "killed by SIGKILL")
	require.Contains(t, out.String(), "got TERM")
	requireStopped(t, waitPID(t, pidFile))
}

func TestRunProcessTimeout(t *testing.T) {
	var out syncBuffer
	res, err := runProcess(context.Background(), processSpec{
		Script: `echo before; sleep 100`, Dir: t.TempDir(), Env: []string{"PATH=" + os.Getenv("PATH")},
		Output: &out, Timeout: 200 * time.Millisecond, KillGrace: time.Second,
	})
	require.NoError(t, err)
	require.True(t, res.TimedOut)
	require.Equal(t, "before\n", out.String())
}

func TestRunProcessStartFailure(t *testing.T) {
	_, err := runProcess(context.Background(), processSpec{
		Script: "true", Dir: filepath.Join(t.TempDir(), "missing"), Output: &syncBuffer{}, KillGrace: time.Second,
	})
	require.ErrorContains(t, err, "start script")
}
