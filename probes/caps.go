package probes

import (
	"os"
	"strconv"
	"strings"
)

// Capabilities that loading and attaching need (linux/capability.h).
const (
	CapSysAdmin = 21 // everything, before 5.8; the perf uprobe PMU still
	CapPerfmon  = 38 // tracing programs, perf events (5.8+)
	CapBPF      = 39 // BPF programs and maps (5.8+)
)

// HasCap reports whether the process has capability c in its effective set
// (read from /proc/self/status, so that it is right after setpriv, capsh
// or a container runtime dropped some).
func HasCap(c int) bool {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			eff, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return eff&(1<<c) != 0
		}
	}
	return false
}

// MissingCaps names the capabilities gtrace lacks to load and attach
// programs: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN for both.
func MissingCaps() []string {
	if HasCap(CapSysAdmin) {
		return nil
	}
	var out []string
	if !HasCap(CapBPF) {
		out = append(out, "CAP_BPF")
	}
	if !HasCap(CapPerfmon) {
		out = append(out, "CAP_PERFMON")
	}
	return out
}

// MissingCapsHint says which capabilities gtrace lacks and what to do, or
// "" when it has them.
func MissingCapsHint() string {
	m := MissingCaps()
	if len(m) == 0 {
		return ""
	}
	lacks := "gtrace lacks " + strings.Join(m, " and ")
	if os.Geteuid() != 0 {
		return lacks + ": run it as root (sudo gtrace ...)"
	}
	// Root without them: a container or a dropped bounding set.
	return lacks + " (root, but with a reduced capability set: a container, setpriv or capsh): grant CAP_BPF and CAP_PERFMON"
}
