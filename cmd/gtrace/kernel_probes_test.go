package main

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/probes"
)

// Kernel function probes (fentry, fexit, kprobe, kretprobe) on a kernel
// that cannot run them: --dry-run still verifies the code, a real run
// stops with one line naming the probe, the reason and a tracepoint to
// use instead, and exits 255 as bpftrace does when attaching fails.

func TestFentryRefused(t *testing.T) {
	needRoot(t)
	if probes.ProbeFeatures(probes.NewKernel()).Fentry.OK {
		t.Skip("this kernel runs fentry programs")
	}
	code, stdout, stderr := runCLI(t, "", "-e", `fentry:vfs_read { @[comm] = count(); }`)
	want := "ERROR: fentry:vfs_read: the kernel refuses fentry programs (EPERM); use tracepoint:syscalls:sys_enter_read instead\n"
	if code != 255 || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr %q\nwant %q", code, stdout, stderr, want)
	}
	code, _, stderr = runCLI(t, "", "-e", `fexit:do_sys_openat2 { @[retval] = count(); }`)
	if code != 255 || !strings.HasSuffix(stderr, "use tracepoint:syscalls:sys_exit_openat2 instead\n") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("fexit: exit %d, stderr %q", code, stderr)
	}

	code, stdout, stderr = runCLI(t, "", "--dry-run", "-e", `fexit:vfs_read { @[func, retval, args.count] = count(); }`)
	want = "fexit:vfs_read: the kernel refuses fexit programs (EPERM); verified their code as raw tracepoint programs (same u64 argument context)\n"
	if code != 0 || stdout != "" || stderr != want {
		t.Errorf("dry run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "", "-q", "--dry-run", "-e", `fentry:vfs_read { @[args.count] = count(); }`)
	if code != 0 || stderr != "" {
		t.Errorf("quiet dry run: exit %d, stderr %q", code, stderr)
	}
	// A verifier rejection in fentry code is still reported as one.
	code, _, stderr = runCLI(t, "", "--dry-run", "-e", `fentry:vfs_read { $i = 0; while ($i < 1000000) { $i++; } }`)
	if code == 0 || !strings.Contains(stderr, "verifier") {
		t.Errorf("rejected loop: exit %d, stderr %q", code, stderr)
	}
}

func TestKprobeRefused(t *testing.T) {
	needRoot(t)
	if probes.ProbeFeatures(probes.NewKernel()).Kprobes.OK {
		t.Skip("this kernel has kprobes")
	}
	code, stdout, stderr := runCLI(t, "", "-e", `kretprobe:vfs_read { @[func, retval] = count(); }`)
	if code != 255 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
		!strings.HasPrefix(stderr, "ERROR: attach kretprobe:vfs_read: ") ||
		!strings.HasSuffix(stderr, "(CONFIG_KPROBES); use tracepoint:syscalls:sys_exit_read instead\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "", "--dry-run", "-e", `kprobe:vfs_read { @[func, arg0, arg6, sarg0] = count(); } kprobe:vfs_rea* { @p[probe] = count(); }`)
	if code != 0 || stderr != "" {
		t.Errorf("dry run: exit %d, stderr %q", code, stderr)
	}
}

// TestListKernelFuncArgs: -lv of BTF-described probes lists their
// arguments as bpftrace 0.26 does.
func TestListKernelFuncArgs(t *testing.T) {
	needRoot(t)
	for pat, want := range map[string]string{
		"kfunc:vfs_read":             "fentry:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n    ssize_t retval\n",
		"kretprobe:vfs_read":         "kretprobe:vfs_read\n    ssize_t retval\n",
		"rawtracepoint:sched_switch": "rawtracepoint:sched_switch\n    bool preempt\n    struct task_struct * prev\n    struct task_struct * next\n    unsigned int prev_state\n",
	} {
		code, stdout, stderr := runCLI(t, "", "-lv", pat)
		if code != 0 || stdout != want {
			t.Errorf("-lv %s: exit %d, stderr %q\n%s", pat, code, stderr, stdout)
		}
	}
}
