package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// devServerPid is the pid of the Temporal dev server this process started
// listening on hostPort, or 0.
func devServerPid(hostPort string) int {
	port := hostPort[strings.LastIndexByte(hostPort, ':')+1:]
	for _, pid := range children(os.Getpid()) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) != "temporal" {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		args := strings.Split(string(cmdline), "\x00")
		for i := range len(args) - 1 {
			if args[i] == "--port" && args[i+1] == port {
				return pid
			}
		}
	}
	return 0
}

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// procCPU is the CPU time a process used so far: its own, and that of its
// children it waited for (for this process: the tasks' bash processes).
type procCPU struct{ self, children time.Duration }

// cpuOf reads pid's CPU times from /proc/<pid>/stat (zero when unknown).
func cpuOf(pid int) procCPU {
	if pid == 0 {
		return procCPU{}
	}
	// utime, stime, cutime and cstime are the 12th to 15th fields after the
	// command name, in clock ticks.
	fields := statFields(pid)
	if len(fields) < 15 {
		return procCPU{}
	}
	tick := func(i int) time.Duration {
		v, _ := strconv.Atoi(fields[i])
		return time.Duration(v) * clockTick
	}
	return procCPU{self: tick(11) + tick(12), children: tick(13) + tick(14)}
}

// statFields is the fields of /proc/<pid>/stat after the command name
// (which may hold spaces and parentheses): the state first, then the
// parent's pid, …; nil when pid's stat cannot be read.
func statFields(pid int) []string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	return strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
}

// machineCPU is the CPU time all processes of the machine used so far
// (user, nice, system, irq and softirq of /proc/stat; not idle, iowait or
// time stolen by the hypervisor): what a scenario costs includes
// processes the benchmark does not watch, such as the API's git cat-file.
func machineCPU() time.Duration {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	fields := strings.Fields(line)
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} { // after "cpu": user nice system idle iowait irq softirq
		if i < len(fields) {
			v, _ := strconv.ParseInt(fields[i], 10, 64)
			ticks += v
		}
	}
	return time.Duration(ticks) * clockTick
}
