// Package sandbox builds the bubblewrap (bwrap) command lines that every
// task, deploy and check script of Drover runs under: its own PID, IPC and
// UTS namespaces (the worker's processes and /proc are invisible), uid and
// gid 65534 in a user namespace without capabilities, read-only system
// directories, a fresh /tmp, the workspace as the only writable directory,
// an explicit environment instead of the worker's, and, per step, the host's
// network or none. With --die-with-parent and the PID namespace every process
// of a script dies when the script's sandbox (or the worker) does.
//
// No namespace code is written here: bwrap does it all.
package sandbox

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Networks of a step.
const (
	NetworkHost = "host" // the host's network namespace: loopback services included
	NetworkNone = "none" // a new network namespace with only its own loopback
)

// DefaultUID is the uid and gid scripts run as inside the sandbox (nobody).
const DefaultUID = 65534

// Sandbox runs scripts under bwrap. The zero value is not usable: make one
// with New.
type Sandbox struct {
	// Bwrap is the path of the bwrap binary.
	Bwrap string
	// UID and GID the script runs as inside its user namespace.
	UID, GID int
	// Network is the default network of a step that names none.
	Network string
	// Binds are host directories (operator configuration, never a
	// drover.yaml's) bound writable at the same path in every sandbox.
	Binds []string
	// system is the read-only part of the command line, computed once.
	system []string
}

// Options configures New.
type Options struct {
	Bwrap   string   // default: "bwrap" looked up in PATH
	Network string   // NetworkHost (default) or NetworkNone
	Binds   []string // see Sandbox.Binds
	UID     int      // default DefaultUID
}

// New returns a Sandbox; it does not run bwrap (see Check).
func New(o Options) (*Sandbox, error) {
	bin := o.Bwrap
	if bin == "" {
		bin = "bwrap"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("sandbox: find bwrap (install bubblewrap, or set DROVER_SANDBOX=off): %w", err)
	}
	netw := o.Network
	if netw == "" {
		netw = NetworkHost
	}
	if netw != NetworkHost && netw != NetworkNone {
		return nil, fmt.Errorf("sandbox: network %q: want %q or %q", netw, NetworkHost, NetworkNone)
	}
	uid := o.UID
	if uid <= 0 {
		uid = DefaultUID
	}
	for _, b := range o.Binds {
		if !filepath.IsAbs(b) {
			return nil, fmt.Errorf("sandbox: bind %q: want an absolute path", b)
		}
	}
	return &Sandbox{Bwrap: path, UID: uid, GID: uid, Network: netw, Binds: o.Binds, system: systemArgs()}, nil
}

// Step is one script's sandbox.
type Step struct {
	// Workspace is bound writable at its own path and is the working directory.
	Workspace string
	// Env is the script's whole environment (NAME=value).
	Env []string
	// Network is NetworkHost or NetworkNone; empty means the Sandbox's default.
	Network string
	// Service keeps the host's PID namespace and lets the script's processes
	// outlive it (a deploy that starts a long-running service). So that it
	// can neither signal nor inspect the worker's processes, bwrap then runs
	// as the real uid UID (the worker must be root), and Workspace must be
	// reachable and writable by that uid (see ServiceDirMode).
	Service bool
	// Writable are more host directories bound writable at their own path
	// (the worker's publish root, for instance).
	Writable []string
	// Files are written into the sandbox read-only (mode 0400) under the
	// given absolute paths, from the worker's memory: no copy on the host's
	// disk. Used for secrets given as files.
	Files map[string][]byte
}

// Command returns the command that runs script with bash -eo pipefail in the
// step's sandbox. The caller starts it; cleanup, when not nil, must be called
// once the command has started (or failed to start).
func (s *Sandbox) Command(script string, st Step) (cmd *exec.Cmd, cleanup func(), err error) {
	netw := st.Network
	if netw == "" {
		netw = s.Network
	}
	args := []string{"--unshare-user", "--uid", strconv.Itoa(s.UID), "--gid", strconv.Itoa(s.GID),
		// No nested user namespaces: a script cannot regain capabilities
		// in one of its own.
		"--disable-userns",
		"--unshare-ipc", "--unshare-uts", "--hostname", "drover-task", "--unshare-cgroup-try"}
	if !st.Service {
		args = append(args, "--unshare-pid", "--die-with-parent")
	}
	switch netw {
	case NetworkNone:
		args = append(args, "--unshare-net")
	case NetworkHost:
	default:
		return nil, nil, fmt.Errorf("sandbox: network %q: want %q or %q", netw, NetworkHost, NetworkNone)
	}
	args = append(args, s.system...)
	args = append(args, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--tmpfs", "/var/tmp")
	for _, d := range append(slices.Clone(s.Binds), st.Writable...) {
		if d != "" {
			args = append(args, "--bind", d, d)
		}
	}
	args = append(args, "--bind", st.Workspace, st.Workspace, "--chdir", st.Workspace)

	var extra []*os.File
	var closers []*os.File
	cleanup = func() {
		for _, f := range closers {
			_ = f.Close()
		}
	}
	names := make([]string, 0, len(st.Files))
	for p := range st.Files {
		names = append(names, p)
	}
	slices.Sort(names)
	for _, p := range names {
		if !filepath.IsAbs(p) {
			cleanup()
			return nil, nil, fmt.Errorf("sandbox: file %q: want an absolute path", p)
		}
		r, w, err := os.Pipe()
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("sandbox: pipe: %w", err)
		}
		closers = append(closers, r)
		data := st.Files[p]
		go func() {
			_, _ = w.Write(data)
			_ = w.Close()
		}()
		fd := 3 + len(extra)
		extra = append(extra, r)
		args = append(args, "--dir", filepath.Dir(p), "--perms", "0400", "--ro-bind-data", strconv.Itoa(fd), p)
	}

	// bwrap's options, the step's environment among them (--clearenv,
	// --setenv), come on a pipe (--args): never on its command line, which
	// every process of the host may read in /proc/<pid>/cmdline, secrets
	// included, nor in bwrap's own environment, where LD_PRELOAD and its
	// kind would run the step's code in bwrap itself, outside the sandbox.
	opts := append([]string{"--clearenv"}, args...)
	for _, kv := range st.Env {
		if name, value, ok := strings.Cut(kv, "="); ok && name != "" {
			opts = append(opts, "--setenv", name, value)
		}
	}
	var packed strings.Builder
	for _, o := range opts {
		if strings.ContainsRune(o, 0) { // would split into options of its own
			cleanup()
			return nil, nil, fmt.Errorf("sandbox: an option or environment variable holds a NUL byte")
		}
		packed.WriteString(o)
		packed.WriteByte(0)
	}
	r, w, err := os.Pipe()
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("sandbox: pipe: %w", err)
	}
	closers = append(closers, r)
	go func() {
		_, _ = io.WriteString(w, packed.String())
		_ = w.Close()
	}()
	argsFD := 3 + len(extra)
	extra = append(extra, r)
	cmd = exec.Command(s.Bwrap, "--args", strconv.Itoa(argsFD), "--", "bash", "-eo", "pipefail", "-c", script)
	cmd.Dir = st.Workspace
	cmd.Env = []string{} // empty: nothing of the worker's, nothing of the step's
	cmd.ExtraFiles = extra
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if !st.Service {
		// bwrap dies with the worker; --die-with-parent and the PID
		// namespace then take every process of the script with it.
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	} else {
		if os.Geteuid() != 0 {
			cleanup()
			return nil, nil, fmt.Errorf("sandbox: service steps run as uid %d, which needs a worker running as root", s.UID)
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(s.UID), Gid: uint32(s.GID), Groups: []uint32{}}
	}
	return cmd, cleanup, nil
}

// ServiceDirMode is the mode of the directories above a service step's
// workspace: traversable, not listable, by the service's uid.
const ServiceDirMode = 0o711

// Chown gives dir and everything under it to the sandbox's uid, so that a
// service step (which runs as that uid) can write its workspace.
func (s *Sandbox) Chown(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, s.UID, s.GID)
	})
}

// Check runs a trivial script in a sandbox like a task's, with the given
// network, and returns why it could not run (no user namespaces, no bwrap ...).
func (s *Sandbox) Check(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "drover-sandbox-check-")
	if err != nil {
		return fmt.Errorf("sandbox check: %w", err)
	}
	defer os.RemoveAll(dir)
	for _, netw := range []string{NetworkHost, NetworkNone} {
		cmd, cleanup, err := s.Command(`test "$(id -u)" = "$1" -a -w .`, Step{Workspace: dir, Env: []string{"PATH=/usr/bin:/bin"}, Network: netw})
		if err != nil {
			return err
		}
		cmd.Args = append(cmd.Args, "check", strconv.Itoa(s.UID))
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		run := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
		run.Dir, run.Env, run.SysProcAttr, run.ExtraFiles = cmd.Dir, cmd.Env, cmd.SysProcAttr, cmd.ExtraFiles
		out, err := run.CombinedOutput()
		cancel()
		cleanup()
		if err != nil {
			return fmt.Errorf("sandbox check (network %s): bwrap failed: %w: %s", netw, err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// systemArgs binds the system directories read-only: /usr, /etc, /opt and
// the top-level links or directories of the root (/bin, /lib ...). Scripts
// run as a uid mapped onto the worker's own: files of the worker's user would
// look like the script's, so the files of /etc that are not world-readable
// (/etc/shadow ...) are covered with empty ones.
func systemArgs() []string {
	var args []string
	for _, d := range []string{"/usr", "/etc", "/opt"} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			args = append(args, "--ro-bind", d, d)
		}
	}
	for _, d := range []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
		case fi.Mode()&fs.ModeSymlink != 0:
			if target, err := os.Readlink(d); err == nil {
				args = append(args, "--symlink", target, d)
			}
		case fi.IsDir():
			args = append(args, "--ro-bind", d, d)
		}
	}
	_ = filepath.WalkDir("/etc", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if info.Mode().Perm()&0o004 != 0 {
			return nil
		}
		switch {
		case info.IsDir():
			args = append(args, "--tmpfs", p)
			return fs.SkipDir
		case info.Mode().IsRegular():
			args = append(args, "--ro-bind", "/dev/null", p)
		}
		return nil
	})
	return args
}
