package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/probes"
)

// printInfo is --info: the system, the build, and what the kernel offers
// gtrace, laid out as bpftrace's --info, with a line saying how to fix
// each missing piece. Like bpftrace it needs privilege to probe BPF
// features, and exits 1 without it.
func printInfo(stdout, stderr io.Writer) int {
	if missing := missingPrivileges(); missing != "" {
		fmt.Fprintf(stderr, "ERROR: --info needs privilege to probe the kernel: %s\n", missing)
		return 1
	}
	var b strings.Builder
	var un unix.Utsname
	if err := unix.Uname(&un); err == nil {
		fmt.Fprintf(&b, "System\n  OS: %s %s %s\n  Arch: %s\n\n",
			unix.ByteSliceToString(un.Sysname[:]), unix.ByteSliceToString(un.Release[:]),
			unix.ByteSliceToString(un.Version[:]), unix.ByteSliceToString(un.Machine[:]))
	}
	fmt.Fprintf(&b, "Build\n  version: %s\n  Go: %s\n  cilium/ebpf: %s\n  LLVM: none (gtrace emits eBPF itself)\n\n",
		version, runtime.Version(), moduleVersion("github.com/cilium/ebpf"))

	k := kernelEnv(stderr)
	f := probes.ProbeFeatures(k)
	fmt.Fprintf(&b, "Kernel features\n")
	rows := []struct {
		name string
		s    probes.Support
		fix  string
	}{
		{"tracefs", f.Tracefs, "mount -t tracefs nodev " + probes.DefaultTracefs + " (gtrace does it when run as root)"},
		{"btf", f.BTF, "use a kernel built with CONFIG_DEBUG_INFO_BTF=y; without it kernel structs and fentry are unavailable"},
		{"ringbuf", f.RingBuf, "gtrace needs BPF_MAP_TYPE_RINGBUF (Linux 5.8+) for printf and every async action"},
		{"raw_tp test run", f.RawTPRun, "BEGIN and END run with BPF_PROG_TEST_RUN on raw tracepoint programs (Linux 5.10+)"},
	}
	probeRows := []struct {
		name string
		s    probes.Support
		fix  string
	}{
		{"tracepoint", f.Tracefs, "tracepoints are read from tracefs: mount it"},
		{"kprobe", f.Kprobes, "rebuild the kernel with CONFIG_KPROBES=y; use tracepoints meanwhile (gtrace -l 'tracepoint:*')"},
		{"uprobe", f.Uprobes, "rebuild the kernel with CONFIG_UPROBES=y"},
		{"fentry", f.Fentry, "needs BTF and BPF trampolines (CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, x86_64/arm64 5.5+) and no lockdown"},
		{"kprobe_multi", f.KprobeMulti, "needs Linux 5.18+ with CONFIG_FPROBE; gtrace then attaches kprobes one by one"},
		{"uprobe_multi", f.UprobeMulti, "needs Linux 6.6+; gtrace then attaches uprobes one by one"},
		{"profile/interval/software", f.SoftwareEvents,
			"needs perf events (CONFIG_PERF_EVENTS) and kernel.perf_event_paranoid allowing them"},
		{"hardware", f.HardwareEvents,
			"needs a hardware PMU (bare metal, or a virtual machine with a virtual PMU); use software or profile probes"},
	}
	var fixes []string
	for _, r := range rows {
		fmt.Fprintf(&b, "  %s: %s\n", r.name, yesNo(r.s))
		if !r.s.OK {
			fixes = append(fixes, r.name+": "+cleanReason(r.s.Reason)+"; "+r.fix)
		}
	}
	fmt.Fprintf(&b, "\nProbe types\n")
	for _, r := range probeRows {
		fmt.Fprintf(&b, "  %s: %s\n", r.name, yesNo(r.s))
		if !r.s.OK {
			fixes = append(fixes, r.name+": "+cleanReason(r.s.Reason)+"; "+r.fix)
		}
	}
	// Raw tracepoints load as BEGIN and END do.
	for _, name := range []string{"rawtracepoint", "BEGIN/END"} {
		fmt.Fprintf(&b, "  %s: %s\n", name, yesNo(f.RawTPRun))
		if !f.RawTPRun.OK {
			fixes = append(fixes, name+": "+cleanReason(f.RawTPRun.Reason)+"; needs raw tracepoint programs and BPF_PROG_TEST_RUN for them (Linux 5.10+)")
		}
	}
	fmt.Fprintf(&b, "\nPrivileges\n  effective capabilities: %s\n", strings.Join(effectiveCaps(), ", "))
	fmt.Fprintf(&b, "\nLimits\n  address space (ulimit -v): %s\n", addressSpaceLine())
	if advice := addressSpaceAdvice(); advice != "" {
		fixes = append(fixes, "address space: "+advice)
	}
	if len(fixes) > 0 {
		fmt.Fprintf(&b, "\nMissing, and how to fix it\n")
		for _, s := range fixes {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	io.WriteString(stdout, b.String())
	return 0
}

func yesNo(s probes.Support) string {
	if s.OK {
		return "yes"
	}
	return "no"
}

func moduleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "unknown"
}

// effectiveCaps names the capabilities that matter to tracing and that
// this process has, "none" when it has none.
func effectiveCaps() []string {
	if caps := probes.EffectiveCaps(); len(caps) > 0 {
		return caps
	}
	return []string{"none"}
}

// missingPrivileges says what is missing to load BPF programs, "" when
// nothing is: CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON (5.8+).
func missingPrivileges() string {
	if len(probes.MissingCaps()) == 0 {
		return ""
	}
	return "run it as root (sudo gtrace --info) or with CAP_BPF and CAP_PERFMON"
}

// cleanReason drops cilium/ebpf's advice to Go programmers from a reason:
// gtrace lifts RLIMIT_MEMLOCK itself, and kernels from 5.11 do not charge
// BPF memory to it, so "MEMLOCK may be too low" misleads here.
func cleanReason(s string) string {
	return strings.Replace(s, " (MEMLOCK may be too low, consider rlimit.RemoveMemlock)", "", 1)
}
