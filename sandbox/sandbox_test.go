package sandbox_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/internal/syncbuf"
	"github.com/drover-ci/drover/sandbox"
)

// newSandbox returns a Sandbox over the machine's bwrap; the tests need it
// (scripts/test.sh and .ci/run install bubblewrap).
func newSandbox(t *testing.T, o sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	s, err := sandbox.New(o)
	require.NoError(t, err, "bubblewrap must be installed (apt-get install bubblewrap)")
	require.NoError(t, s.Check(context.Background()))
	return s
}

func run(t *testing.T, s *sandbox.Sandbox, script string, st sandbox.Step) (string, error) {
	t.Helper()
	cmd, cleanup, err := s.Command(script, st)
	require.NoError(t, err)
	out, err := func() ([]byte, error) {
		defer cleanup()
		return cmd.CombinedOutput()
	}()
	return string(out), err
}

func TestSandboxIsolation(t *testing.T) {
	s := newSandbox(t, sandbox.Options{})
	ws := t.TempDir()
	shared := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(ws, "in.txt"), []byte("checked out\n"), 0o644))
	out, err := run(t, s, `
echo "uid=$(id -u) gid=$(id -g)"
echo "pwd=$PWD"
cat in.txt
echo made > out.txt
echo shared > "$SHARED/x"
echo "env:"; env | sort | grep -v -e '^PWD=' -e '^SHLVL=' -e '^_='
echo "procs=$(ls -d /proc/[0-9]* | wc -l)"
echo "shadow=$(cat /etc/shadow 2>/dev/null | head -c 5)"
[ -e /proc/$WORKER_PID ] && echo "worker visible" || echo "worker invisible"
cat /run/drover/secrets/TOKEN; echo
stat -c 'mode=%a' /run/drover/secrets/TOKEN
touch /usr/x 2>/dev/null && echo "usr writable" || echo "usr read-only"
touch /etc/x 2>/dev/null && echo "etc writable" || echo "etc read-only"
[ -e "$HOME_OF_WORKER" ] && echo "worker home visible" || echo "worker home hidden"
unshare --user true 2>/dev/null && echo "nested userns" || echo "no nested userns"
`, sandbox.Step{
		Workspace: ws,
		Env:       []string{"PATH=/usr/bin:/bin", "SHARED=" + shared, "HOME_OF_WORKER=" + os.Getenv("HOME"), "WORKER_PID=" + strconv.Itoa(os.Getpid())},
		Writable:  []string{shared},
		Files:     map[string][]byte{"/run/drover/secrets/TOKEN": []byte("file-secret")},
	})
	require.NoError(t, err, out)
	require.Contains(t, out, "uid=65534 gid=65534\n")
	require.Contains(t, out, "pwd="+ws+"\n")
	require.Contains(t, out, "checked out\n")
	require.Contains(t, out, "env:\nHOME_OF_WORKER="+os.Getenv("HOME")+"\nPATH=/usr/bin:/bin\nSHARED="+shared+"\nWORKER_PID=")
	// bwrap's reaper, bash, and the subshell, ls and wc of the count.
	require.Regexp(t, `procs=[1-5]\n`, out)
	require.Contains(t, out, "shadow=\nworker invisible\n")
	require.Contains(t, out, "file-secret\nmode=400\n")
	require.Contains(t, out, "usr read-only\netc read-only\n")
	if os.Getenv("HOME") != "" {
		require.Contains(t, out, "worker home hidden")
	}
	require.Contains(t, out, "no nested userns")
	b, err := os.ReadFile(filepath.Join(ws, "out.txt"))
	require.NoError(t, err)
	require.Equal(t, "made\n", string(b))
	b, err = os.ReadFile(filepath.Join(shared, "x"))
	require.NoError(t, err)
	require.Equal(t, "shared\n", string(b))
}

func TestSandboxNetwork(t *testing.T) {
	s := newSandbox(t, sandbox.Options{})
	list := `cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' | tr '\n' ,`
	none, err := run(t, s, list, sandbox.Step{Workspace: t.TempDir(), Env: []string{"PATH=/usr/bin:/bin"}, Network: sandbox.NetworkNone})
	require.NoError(t, err, none)
	require.True(t, strings.HasSuffix(strings.TrimSpace(none), "lo,"), "only loopback without network: %q", none)
	host, err := run(t, s, list, sandbox.Step{Workspace: t.TempDir(), Env: []string{"PATH=/usr/bin:/bin"}})
	require.NoError(t, err, host)
	hostIfs, err := os.ReadFile("/proc/net/dev")
	require.NoError(t, err)
	require.Equal(t, strings.Count(string(hostIfs), "\n")-2, strings.Count(host, ","), "the host's interfaces: %q", host)

	_, _, err = s.Command("true", sandbox.Step{Workspace: t.TempDir(), Network: "bridge"})
	require.Error(t, err)
}

func TestSandboxExitCode(t *testing.T) {
	s := newSandbox(t, sandbox.Options{})
	_, err := run(t, s, "exit 7", sandbox.Step{Workspace: t.TempDir(), Env: []string{"PATH=/usr/bin:/bin"}})
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 7, exit.ExitCode())
}

func TestNewRefuses(t *testing.T) {
	_, err := sandbox.New(sandbox.Options{Bwrap: "/nonexistent/bwrap"})
	require.ErrorContains(t, err, "DROVER_SANDBOX=off")
	_, err = sandbox.New(sandbox.Options{Network: "bridge"})
	require.Error(t, err)
	_, err = sandbox.New(sandbox.Options{Binds: []string{"relative"}})
	require.Error(t, err)
}

func TestServiceStepOutlivesItsScriptButNotTheWorkersRights(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("service steps need a root worker")
	}
	s := newSandbox(t, sandbox.Options{})
	base, err := os.MkdirTemp("", "drover-service-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, sandbox.ServiceDirMode))
	ws := filepath.Join(base, "ws")
	require.NoError(t, os.Mkdir(ws, 0o700))
	require.NoError(t, s.Chown(ws))
	t.Setenv("DROVER_TEST_WORKER_SECRET", "service-must-not-see-this")
	out, err := run(t, s, `
setsid sleep 30 >/dev/null 2>&1 < /dev/null &
echo "service=$!"
echo "uid=$(id -u)"
cat /proc/$WORKER_PID/environ >/dev/null 2>&1 && echo "environ readable" || echo "environ denied"
kill -0 $WORKER_PID 2>/dev/null && echo "worker signalable" || echo "worker not signalable"
echo ok > written
`, sandbox.Step{Workspace: ws, Env: []string{"PATH=/usr/bin:/bin", "WORKER_PID=" + strconv.Itoa(os.Getpid())}, Service: true})
	require.NoError(t, err, out)
	require.Contains(t, out, "uid=65534\nenviron denied\nworker not signalable\n")
	pid, err := strconv.Atoi(strings.TrimPrefix(strings.Split(out, "\n")[0], "service="))
	require.NoError(t, err, out)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	require.NoError(t, syscall.Kill(pid, 0), "the service outlived its script")
	b, err := os.ReadFile(filepath.Join(ws, "written"))
	require.NoError(t, err)
	require.Equal(t, "ok\n", string(b))
}

// A step's environment, secrets included, is never in bwrap's arguments
// (/proc/<pid>/cmdline is readable by every process of the host) nor in
// bwrap's own environment: it comes on a pipe (--args).
func TestSandboxEnvironmentIsNotInTheCommandLine(t *testing.T) {
	s := newSandbox(t, sandbox.Options{})
	ws := t.TempDir()
	cmd, cleanup, err := s.Command(`echo "token=$TOKEN"; read -r _ || true`, sandbox.Step{
		Workspace: ws, Env: []string{"PATH=/usr/bin:/bin", "TOKEN=s3cr3t-value-42"}})
	require.NoError(t, err)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var out syncbuf.Buffer
	cmd.Stdout = &out
	require.NoError(t, cmd.Start())
	cleanup()
	// Once the script has printed, bwrap is past its setup.
	var cmdline []byte
	require.Eventually(t, func() bool {
		if !strings.Contains(out.String(), "token=") {
			return false
		}
		cmdline, err = os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cmdline")
		return err == nil
	}, 10*time.Second, 5*time.Millisecond)
	require.NotContains(t, string(cmdline), "s3cr3t-value-42")
	require.Contains(t, string(cmdline), "bash", "the sandbox's own command line")
	// Nor is it bwrap's own environment, where LD_PRELOAD and its kind
	// would run in bwrap, on the host, before the sandbox exists.
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/environ")
	require.NoError(t, err)
	require.Empty(t, string(environ), "bwrap's environment")
	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait())
	require.Equal(t, "token=s3cr3t-value-42\n", out.String(), "the script has the variable")
}
