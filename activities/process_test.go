package activities

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/internal/proctest"
	"github.com/drover-ci/drover/internal/syncbuf"
)

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
			var out syncbuf.Buffer
			res, err := runProcess(context.Background(), processSpec{
				Script: tt.script, Dir: t.TempDir(), Env: []string{"PIDFILE=" + pidFile, "PATH=" + os.Getenv("PATH")},
				Output: &out, KillGrace: time.Second,
			})
			require.NoError(t, err)
			require.Equal(t, tt.exit, res.ExitCode)
			require.False(t, res.TimedOut)
			proctest.RequireGone(t, proctest.ReadPID(t, pidFile))
		})
	}
}

func TestRunProcessReturnsWhenAnEscapedProcessHoldsTheOutput(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	var out syncbuf.Buffer
	res, err := runProcess(context.Background(), processSpec{
		Script: `setsid sleep 100 & echo $! > "$PIDFILE"; echo done`, Dir: t.TempDir(),
		Env:    []string{"PIDFILE=" + pidFile, "PATH=" + os.Getenv("PATH")},
		Output: &out, KillGrace: time.Second,
	})
	pid := proctest.ReadPID(t, pidFile)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode)
	require.Equal(t, "done\n", out.String())
}

func TestRunProcessCancelEscalatesToSIGKILL(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncbuf.Buffer
	started := make(chan struct{})
	go func() {
		<-started
		proctest.ReadPID(t, pidFile)
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
	proctest.RequireGone(t, proctest.ReadPID(t, pidFile))
}

func TestRunProcessTimeout(t *testing.T) {
	var out syncbuf.Buffer
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
		Script: "true", Dir: filepath.Join(t.TempDir(), "missing"), Output: &syncbuf.Buffer{}, KillGrace: time.Second,
	})
	require.ErrorContains(t, err, "start script")
}
