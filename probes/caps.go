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

// Other capabilities tracing may use.
const (
	CapSysPtrace   = 19 // reading other processes' memory and maps
	CapSysResource = 24 // raising RLIMIT_MEMLOCK (kernels before 5.11)
)

// tracingCaps names the capabilities that matter to tracing, in the order
// EffectiveCaps lists them.
var tracingCaps = []struct {
	c    int
	name string
}{{CapSysAdmin, "CAP_SYS_ADMIN"}, {CapBPF, "CAP_BPF"}, {CapPerfmon, "CAP_PERFMON"}, {CapSysPtrace, "CAP_SYS_PTRACE"}, {CapSysResource, "CAP_SYS_RESOURCE"}}

// effectiveSet is the process's effective capability set, read from
// /proc/self/status, so that it is right after setpriv, capsh or a
// container runtime dropped some.
func effectiveSet() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			eff, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return eff
		}
	}
	return 0
}

// HasCap reports whether the process has capability c in its effective set.
func HasCap(c int) bool { return effectiveSet()&(1<<c) != 0 }

// EffectiveCaps names the capabilities that matter to tracing and that
// the process has.
func EffectiveCaps() []string {
	eff := effectiveSet()
	var out []string
	for _, tc := range tracingCaps {
		if eff&(1<<tc.c) != 0 {
			out = append(out, tc.name)
		}
	}
	return out
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
