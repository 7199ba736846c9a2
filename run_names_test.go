package gtrace

import (
	"runtime"
	"syscall"
	"testing"
)

// syscall_name and signal_name read bpftrace's tables in the program:
// the kernel's syscall names (x86-64 here) and strsignal(3)'s texts, with
// "Unknown syscall" and "N/A" outside them. bpftrace 0.17 has neither:
// the expected text is hand-made from bpftrace 0.26's tables
// (src/stdlib/strings/syscall.h, signal.h).
func TestSyscallAndSignalNames(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the expected syscall numbers are x86-64's")
	}
	src := `BEGIN { printf("%s|%s|%s|%s\n", syscall_name(0), syscall_name(-1), syscall_name(1024), signal_name(2));
  printf("%s|%s|%s|%s\n", signal_name(0), signal_name(34), signal_name(65), signal_name(-9)); }
tracepoint:raw_syscalls:sys_enter /pid == $1 && args.id == 110/ { @[syscall_name(args.id)] = count(); }`
	code, stdout, stderr := runScript(t, src, RunOptions{Quiet: true}, func() { syscall.Getppid() })
	want := "read|Unknown syscall|Unknown syscall|Interrupt\nUnknown signal 0|Real-time signal 0|N/A|N/A\n\n\n@[getppid]: 1\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %q", code, stdout, want, stderr)
	}
}
