package gtrace

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// Capabilities that loading and attaching need (linux/capability.h).
const (
	capSysAdmin = 21 // everything, before 5.8
	capPerfmon  = 38 // tracing programs, perf events (5.8+)
	capBPF      = 39 // BPF programs and maps (5.8+)
)

// missingCaps names the capabilities gtrace lacks, read from the effective
// set in /proc/self/status; only consulted after a permission error.
func missingCaps() []string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	var eff uint64
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			eff, _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	has := func(c int) bool { return eff&(1<<c) != 0 }
	if has(capSysAdmin) {
		return nil
	}
	var out []string
	if !has(capBPF) {
		out = append(out, "CAP_BPF")
	}
	if !has(capPerfmon) {
		out = append(out, "CAP_PERFMON")
	}
	return out
}

// permissionHint says what to do after EPERM/EACCES from the kernel.
func permissionHint() string {
	if m := missingCaps(); len(m) > 0 {
		if os.Geteuid() == 0 {
			// Root without them: a container or a dropped bounding set.
			return "gtrace lacks " + strings.Join(m, " and ") + " (root, but without them: a container or a reduced bounding set): grant CAP_BPF and CAP_PERFMON"
		}
		return "gtrace lacks " + strings.Join(m, " and ") + ": run it as root (sudo gtrace ...)"
	}
	return "run gtrace as root (or with CAP_BPF and CAP_PERFMON); check kernel.unprivileged_bpf_disabled and lockdown"
}

// CheckCapabilities returns an error naming the capabilities this process
// lacks to load and attach programs (CAP_BPF and CAP_PERFMON, or
// CAP_SYS_ADMIN for both), or nil. The command checks before compiling, so
// that an unprivileged user reads one line about privilege rather than
// whatever fails first (tracefs is root's only).
func CheckCapabilities() error {
	if len(missingCaps()) > 0 {
		return errors.New(permissionHint())
	}
	return nil
}
