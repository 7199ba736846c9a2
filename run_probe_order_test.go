package gtrace

import (
	"os/exec"
	"testing"
)

// Several clauses on one target fire in the order of the script, whatever
// order the kernel runs that target's programs in (uprobe consumers and
// software events newest first, tracepoints oldest first): golden made by
// bpftrace 0.17, which attaches the former in reverse. (Only clauses on
// the same target have an order: raw_syscalls:sys_enter and
// syscalls:sys_enter_exit_group are two targets, so their clauses record
// which came first instead of printing.)
func TestE2EProbeOrder(t *testing.T) {
	bin := tracer(t)
	script := `
tracepoint:syscalls:sys_exit_execve /pid == cpid/ { @exec = 1; }
uprobe:libc:getpid /pid == cpid && @exec == 1/ { printf("u1\n"); }
uprobe:libc:getpid /pid == cpid && @exec == 1/ { printf("u2\n"); }
uretprobe:libc:getpid /pid == cpid && @exec == 1/ { printf("r1\n"); }
uretprobe:libc:getpid /pid == cpid && @exec == 1/ { printf("r2\n"); }
software:page-faults:1 /pid == cpid/ { if (@s2 == 0) { @first = 1; } @s1 = 1; }
software:page-faults:1 /pid == cpid/ { if (@s1 == 0) { @first = 2; } @s2 = 1; }
tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { printf("t1\n"); }
tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { printf("t2\n"); }
tracepoint:raw_syscalls:sys_enter /pid == cpid && args->id == 231/ { if (@rs2 == 0) { @rsfirst = 1; } @rs1 = 1; }
tracepoint:raw_syscalls:sys_enter /pid == cpid && args->id == 231/ { if (@rs1 == 0) { @rsfirst = 2; } @rs2 = 1; }
END { clear(@s1); clear(@s2); clear(@rs1); clear(@rs2); clear(@exec); }
`
	// dash calls getpid once (for $$) and exits through exit_group; the
	// getpid filter counts the command only once it has exec'd (gtrace's
	// -c starts it through a waiting shell that calls getpid too).
	code, out, errs := runBin(t, exec.Command(bin, "-c", "/bin/sh -c :", "-e", script))
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	checkGolden(t, "probe_order", out)
}
