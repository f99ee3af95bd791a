package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Pids records the process groups of the sandboxes a worker runs, one file
// per group under Dir, so that a worker starting on the same data dir can
// kill what an earlier incarnation left behind (KillLeftovers). A file holds
// the group leader's start time (field 22 of /proc/<pid>/stat), so a pid
// reused by an unrelated process is never killed.
type Pids struct {
	Dir string
}

// Record notes pid's process group; the returned func forgets it.
func (p Pids) Record(pid int) (forget func()) {
	if p.Dir == "" {
		return func() {}
	}
	start, err := startTime(pid)
	if err != nil {
		return func() {}
	}
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return func() {}
	}
	f := filepath.Join(p.Dir, strconv.Itoa(pid))
	if err := os.WriteFile(f, []byte(start), 0o600); err != nil {
		return func() {}
	}
	return func() { _ = os.Remove(f) }
}

// KillLeftovers sends SIGKILL to every recorded process group whose leader
// is still the recorded process, removes every record and returns how many
// groups it killed.
func (p Pids) KillLeftovers() (int, error) {
	if p.Dir == "" {
		return 0, nil
	}
	entries, err := os.ReadDir(p.Dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sandbox leftovers: %w", err)
	}
	killed := 0
	for _, e := range entries {
		f := filepath.Join(p.Dir, e.Name())
		pid, err := strconv.Atoi(e.Name())
		if err == nil && pid > 1 {
			want, _ := os.ReadFile(f)
			if got, err := startTime(pid); err == nil && got == string(want) {
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				_ = syscall.Kill(pid, syscall.SIGKILL)
				killed++
			}
		}
		_ = os.Remove(f)
	}
	return killed, nil
}

// startTime is field 22 of /proc/<pid>/stat: when the process started, in
// clock ticks since boot.
func startTime(pid int) (string, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return "", fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return fields[19], nil
}
