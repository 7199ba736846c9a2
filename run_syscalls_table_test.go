package gtrace

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/probes"
)

// TestSyscallTable checks gtrace's syscall number table against the
// running kernel: the perf tracepoints record the number the kernel
// names each syscalls:* event after (__syscall_nr), for syscalls this
// test makes, the renamed entry points among them (uname is sys_newuname,
// fstat sys_newfstat). (The kernel's sys_call_table is not in kallsyms
// here, and attaching all ~360 perf tracepoints would take 24 s to
// detach.) Every syscalls event of this kernel must have a number too.
func TestSyscallTable(t *testing.T) {
	evs, err := probes.NewKernel().Tracepoints("syscalls", "sys_e*")
	if err != nil {
		t.Skip(err)
	}
	for _, ev := range evs {
		if _, _, ok := probes.SyscallNr(strings.TrimPrefix(ev, "syscalls:")); !ok {
			t.Errorf("%s: no syscall number in gtrace's table", ev)
		}
	}
	names := []string{"getppid", "getpgid", "getuid", "getgid", "geteuid", "getegid", "umask", "sched_yield",
		"getcwd", "dup", "close", "newuname", "newfstat", "newfstatat", "lseek", "pipe2", "getrandom", "prlimit64"}
	var aps []string
	for _, n := range names {
		aps = append(aps, "tracepoint:syscalls:sys_enter_"+n)
	}
	src := strings.Join(aps, ",") + " /pid == $1/ { @[probe, args->__syscall_nr] = count(); }"
	_, out, errs := runScript(t, src, RunOptions{perfSyscalls: true}, func() {
		unix.Getppid()
		unix.Getpgid(0)
		unix.Getuid()
		unix.Getgid()
		unix.Geteuid()
		unix.Getegid()
		unix.Umask(unix.Umask(0o22))
		unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
		unix.Getwd()
		if fd, err := unix.Dup(0); err == nil {
			unix.Close(fd)
		}
		var u unix.Utsname
		unix.Uname(&u)
		var st unix.Stat_t
		unix.Fstat(0, &st)
		unix.Fstatat(unix.AT_FDCWD, "/", &st, 0)
		unix.Seek(0, 0, 1)
		var p [2]int
		if unix.Pipe2(p[:], unix.O_CLOEXEC) == nil {
			unix.Close(p[0])
			unix.Close(p[1])
		}
		unix.Getrandom(make([]byte, 4), 0)
		var rl unix.Rlimit
		unix.Prlimit(0, unix.RLIMIT_NOFILE, nil, &rl)
	})
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`@\[tracepoint:syscalls:(sys_enter_\w+), (\d+)\]`).FindAllStringSubmatch(out, -1) {
		nr, _ := strconv.Atoi(m[2])
		want, _, _ := probes.SyscallNr(m[1])
		if nr != want {
			t.Errorf("%s: the kernel records syscall %d, gtrace's table says %d", m[1], nr, want)
		}
		seen[strings.TrimPrefix(m[1], "sys_enter_")] = true
	}
	for _, n := range names {
		if !seen[n] {
			t.Errorf("sys_enter_%s did not fire (output:\n%s\nstderr:\n%s)", n, out, errs)
		}
	}
}
