// Package proctest helps tests watch the processes a task starts: wait for a
// pid file a script writes, and check that a process is gone.
package proctest

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ReadPID waits for a pid file written by a script and returns the pid.
func ReadPID(t *testing.T, file string) int {
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

// Alive reports whether process pid exists and is not a zombie (an orphan
// that init has not reaped yet is dead for our purpose).
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// RequireGone waits briefly for pid to disappear: the kernel may take a
// moment to tear a killed process down.
func RequireGone(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool { return !Alive(pid) }, 5*time.Second, 10*time.Millisecond, "process %d survived", pid)
}
