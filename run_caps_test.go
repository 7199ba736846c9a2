package gtrace

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/cilium/ebpf/features"
)

// Without CAP_BPF or CAP_PERFMON (not root, or root with them dropped from
// the bounding set by setpriv), gtrace says in one line which capability
// is missing, and exits 255 with nothing on stdout.
func TestMissingCapabilities(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	for _, tc := range []struct {
		name string
		priv []string
		want string
	}{
		{"nobody", []string{"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"}, "ERROR: gtrace lacks CAP_BPF and CAP_PERFMON: run it as root"},
		{"root without both", []string{"--bounding-set=-bpf,-perfmon,-sys_admin", "--inh-caps=-bpf,-perfmon,-sys_admin"}, "lacks CAP_BPF and CAP_PERFMON (root, but with a reduced capability set"},
		{"root without CAP_PERFMON", []string{"--bounding-set=-perfmon,-sys_admin", "--inh-caps=-perfmon,-sys_admin"}, "lacks CAP_PERFMON (root"},
		{"root without CAP_BPF", []string{"--bounding-set=-bpf,-sys_admin", "--inh-caps=-bpf,-sys_admin"}, "lacks CAP_BPF (root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.priv, bin, "-e", `tracepoint:syscalls:sys_enter_getppid { @ = count(); } BEGIN { printf("hi\n"); exit(); }`)
			code, out, errs := runBin(t, exec.Command(setpriv, args...))
			lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
			if code != 255 || out != "" || len(lines) != 1 || !strings.HasPrefix(errs, "ERROR: ") || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant one line with %q", code, out, errs, tc.want)
			}
		})
	}
}

// Stages that load nothing run without privilege, and a tracefs closed to
// the user (mode 0700, as here) is reported as such, not as unmounted.
func TestTracefsClosedToUser(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	if st, err := os.Stat("/sys/kernel/tracing"); err != nil || st.Mode().Perm()&0o005 != 0 {
		t.Skip("tracefs is open to other users here")
	}
	code, out, errs := runBin(t, exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		bin, "-d", "types", "-e", `tracepoint:syscalls:sys_enter_getppid { @ = count(); }`))
	if code != 1 || out != "" || !strings.Contains(errs, "ERROR: ") || !strings.Contains(errs, "tracefs at /sys/kernel/tracing: permission denied: run gtrace as root") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}

// Root with only CAP_BPF and CAP_PERFMON (a monitoring agent's least
// privilege) traces uprobes and usdt probes, semaphore-gated ones too, as
// bpftrace does: the perf uprobe PMU wants CAP_SYS_ADMIN, so gtrace attaches
// through uprobe_multi links (6.6+), which need only those two.
func TestLeastPrivilegeUprobes(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	if features.HaveBPFLinkUprobeMulti() != nil {
		t.Skip("no uprobe_multi links (6.6+): uprobes need CAP_SYS_ADMIN here")
	}
	target := buildUprobeTarget(t)
	caps := "-all,+bpf,+perfmon"
	prog := "uprobe:" + target + ":work { @w = count(); } usdt:" + target + ":gt:tick { @t = count(); } usdt:" + target + ":gt:gated { @g = count(); }"
	code, out, errs := runBin(t, exec.Command(setpriv, "--inh-caps="+caps, "--ambient-caps="+caps, "--bounding-set="+caps,
		bin, "-e", prog, "-c", target+" 3"))
	for _, want := range []string{"@w: 3\n", "@t: 3\n", "@g: 3\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant %q", code, out, errs, want)
		}
	}
}

// Without CAP_SYSLOG the kernel may show /proc/kallsyms with every address
// 0: kaddr() says so and names the capability (not "CONFIG_KALLSYMS_ALL"),
// and kernel stacks print addresses after a warning that says why.
func TestHiddenKallsyms(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	caps := "-all,+bpf,+perfmon"
	priv := []string{"--inh-caps=" + caps, "--ambient-caps=" + caps, "--bounding-set=" + caps}
	if out, _ := exec.Command(setpriv, append(priv, "head", "-1", "/proc/kallsyms")...).Output(); !strings.HasPrefix(string(out), "0000000000000000 ") {
		t.Skip("this kernel shows symbol addresses without CAP_SYSLOG (kptr_restrict=0, perf_event_paranoid<=1)")
	}
	code, out, errs := runBin(t, exec.Command(setpriv, append(priv, bin, "-e", `BEGIN { printf("%s\n", ksym(kaddr("vfs_read"))); exit(); }`)...))
	if code != 1 || out != "" || !strings.Contains(errs, "Failed to resolve kernel symbol: vfs_read (/proc/kallsyms shows gtrace no addresses: grant CAP_SYSLOG") {
		t.Errorf("kaddr: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	code, out, errs = runBin(t, exec.Command(setpriv, append(priv, bin, "-e", `tracepoint:sched:sched_switch { @[kstack(2)] = count(); } interval:ms:200 { exit(); }`)...))
	if code != 0 || !strings.Contains(out, "    0xffff") || strings.Count(errs, "WARNING: kernel addresses print without names: /proc/kallsyms shows gtrace no addresses") != 1 {
		t.Errorf("kstack: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}
