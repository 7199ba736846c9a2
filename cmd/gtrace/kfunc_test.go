package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/probes"
)

// Kernel function probes end to end with their values checked: kprobe,
// kretprobe, fentry, fexit, kprobe_multi, module functions. They run
// where the kernel has kprobes or runs fentry programs (scripts/vmtest
// boots Debian's kernels, which do) and skip with the reason elsewhere.
//
// The traced work is done by one locked OS thread of this process and the
// scripts filter on its tid ($1): the other threads read the tracer's
// output pipes, which are vfs_reads too.

func needKprobes(t *testing.T) {
	t.Helper()
	needRoot(t)
	if f := probes.ProbeFeatures(probes.NewKernel()); !f.Kprobes.OK {
		t.Skip("kprobes:", f.Kprobes.Reason)
	}
}

func needFentry(t *testing.T) {
	t.Helper()
	needRoot(t)
	if f := probes.ProbeFeatures(probes.NewKernel()); !f.Fentry.OK {
		t.Skip("fentry:", f.Fentry.Reason)
	}
}

// loadThread runs work on one OS thread whose tid is known before the
// tracer starts.
type loadThread struct {
	tid  int
	work chan func()
	done chan struct{}
}

func newLoadThread(t *testing.T) *loadThread {
	lt := &loadThread{work: make(chan func()), done: make(chan struct{})}
	ready := make(chan int)
	go func() {
		// Never unlocked: the thread ends with the goroutine.
		runtime.LockOSThread()
		ready <- unix.Gettid()
		for f := range lt.work {
			f()
			lt.done <- struct{}{}
		}
	}()
	lt.tid = <-ready
	t.Cleanup(func() { close(lt.work) })
	return lt
}

func (lt *loadThread) do(f func()) {
	lt.work <- f
	<-lt.done
}

// preads opens a file of size bytes and returns a trigger that reads it
// n times, count bytes at offset 0, on lt: n vfs_reads of count bytes
// returning size.
func preads(t *testing.T, lt *loadThread, size, count, n int) func() {
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	buf := make([]byte, count)
	return func() {
		lt.do(func() {
			for range n {
				if _, err := unix.Pread(int(f.Fd()), buf, 0); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// traceScript runs the script with the gtrace of this test binary and the
// given positional parameters around trigger, stopped by SIGINT.
func traceScript(t *testing.T, script string, trigger func(), params ...any) interrupted {
	t.Helper()
	args := []string{"-e", script}
	for _, p := range params {
		args = append(args, fmt.Sprint(p))
	}
	cmd := exec.Command(filepath.Join(gtraceOnPath(t), "gtrace"), args...)
	return runInterrupted(t, cmd, trigger)
}

// mapLines are the lines of the output after the Attaching line, without
// the blank lines around maps.
func mapLines(out string) string {
	var keep []string
	for l := range strings.SplitSeq(out, "\n") {
		if l != "" && !strings.HasPrefix(l, "Attaching ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// wantMaps runs the script and compares its map output.
func wantMaps(t *testing.T, script string, trigger func(), want string, params ...any) {
	t.Helper()
	r := traceScript(t, script, trigger, params...)
	if !r.attached || r.code != 0 || r.stderr != "" {
		t.Fatalf("%s: attached %v, exit %d\nstdout:\n%s\nstderr:\n%s", script, r.attached, r.code, r.stdout, r.stderr)
	}
	if got := mapLines(r.stdout); got != want {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", script, got, want)
	}
}

// kprobe: arguments by register, func.
func TestKfuncKprobe(t *testing.T) {
	needKprobes(t)
	lt := newLoadThread(t)
	wantMaps(t, `kprobe:vfs_read /tid == $1/ { @[func, arg2] = count(); }`,
		preads(t, lt, 1000, 4321, 3), "@[vfs_read, 4321]: 3", lt.tid)
}

// kretprobe: the return value, func.
func TestKfuncKretprobe(t *testing.T) {
	needKprobes(t)
	lt := newLoadThread(t)
	wantMaps(t, `kretprobe:vfs_read /tid == $1/ { @[func, retval] = count(); }`,
		preads(t, lt, 1000, 4321, 3), "@[vfs_read, 1000]: 3", lt.tid)
}

// fentry: arguments by name, typed from BTF, and a field chain through
// one of them.
func TestKfuncFentry(t *testing.T) {
	needFentry(t)
	lt := newLoadThread(t)
	wantMaps(t, `fentry:vfs_read /tid == $1/ { @[func, args.count, args.file->f_inode->i_size] = count(); }`,
		preads(t, lt, 1000, 4321, 3), "@[vfs_read, 4321, 1000]: 3", lt.tid)
}

// fexit: arguments and the return value.
func TestKfuncFexit(t *testing.T) {
	needFentry(t)
	lt := newLoadThread(t)
	wantMaps(t, `fexit:vfs_read /tid == $1/ { @[func, args.count, retval] = count(); }`,
		preads(t, lt, 1000, 4321, 3), "@[vfs_read, 4321, 1000]: 3", lt.tid)
}

// kprobe:fn+off: the function's first instruction is the 5-byte ftrace
// call, or a 4-byte endbr64 and then that call (CONFIG_X86_KERNEL_IBT);
// the arguments are untouched there. The kernel refuses an offset inside
// an instruction, so the one that is not a boundary fails to attach.
func TestKfuncKprobeOffset(t *testing.T) {
	needKprobes(t)
	if runtime.GOARCH != "amd64" {
		t.Skip("the offsets are x86-64's")
	}
	lt := newLoadThread(t)
	trigger := preads(t, lt, 1000, 4321, 2)
	var refused []string
	for _, off := range []int{4, 5} {
		script := fmt.Sprintf(`kprobe:vfs_read+%d /tid == $1/ { @[func, arg2] = count(); }`, off)
		r := traceScript(t, script, trigger, lt.tid)
		if !r.attached {
			refused = append(refused, fmt.Sprintf("+%d: exit %d: %s", off, r.code, r.stderr))
			continue
		}
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%s: exit %d\nstderr:\n%s", script, r.code, r.stderr)
		}
		if got, want := mapLines(r.stdout), "@[vfs_read, 4321]: 2"; got != want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", script, got, want)
		}
		return
	}
	t.Errorf("neither offset attached:\n%s", strings.Join(refused, "\n"))
}

// sargN: do_futex's seventh argument, val3, is the first on the stack
// (do_futex(uaddr, op, val, timeout, uaddr2, val2, val3) has kept that
// shape for years; do_mmap, say, gained an argument in 6.x). A
// FUTEX_WAKE_BITSET wakes no one and carries the bitset in val3.
func TestKfuncKprobeStackArg(t *testing.T) {
	needKprobes(t)
	if runtime.GOARCH != "amd64" {
		t.Skip("six register arguments is x86-64's convention")
	}
	lt := newLoadThread(t)
	var word uint32
	trigger := func() {
		lt.do(func() {
			const futexWakeBitset = 10
			_, _, errno := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), futexWakeBitset, 1, 0, 0, 0x1234)
			if errno != 0 {
				t.Error("futex:", errno)
			}
		})
	}
	// (arg1 & 127) == 10: this op, not the Go runtime's own futex calls.
	wantMaps(t, `kprobe:do_futex /tid == $1 && (arg1 & 127) == 10/ { @[func, arg2, sarg0] = count(); }`,
		trigger, "@[do_futex, 1, 4660]: 1", lt.tid)
}

// kprobe:vfs_* attaches through one kprobe_multi link where the kernel
// has them, and func tells the functions apart; the same for kretprobe.
func TestKfuncKprobeMulti(t *testing.T) {
	needKprobes(t)
	lt := newLoadThread(t)
	trigger := preads(t, lt, 1000, 4321, 3)
	multi := probes.ProbeFeatures(probes.NewKernel()).KprobeMulti.OK
	for _, tc := range []struct{ script, want string }{
		{`kprobe:vfs_* /tid == $1/ { @[func] = count(); }`, "@[vfs_read]: 3"},
		{`kretprobe:vfs_* /tid == $1/ { @[func, retval] = count(); }`, "@[vfs_read, 1000]: 3"},
	} {
		var links string
		r := traceScript(t, tc.script, func() {
			links = bpfLinkTypes(t)
			trigger()
		}, lt.tid)
		if !r.attached || r.code != 0 || r.stderr != "" {
			t.Fatalf("%s: exit %d\nstderr:\n%s", tc.script, r.code, r.stderr)
		}
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(tc.want) + `$`).MatchString(r.stdout) {
			t.Errorf("%s: no line %q in:\n%s", tc.script, tc.want, r.stdout)
		}
		if multi && !strings.Contains(links, "kprobe_multi") {
			t.Errorf("%s: the kernel has kprobe_multi links but the tracer holds %s", tc.script, links)
		}
	}
}

// bpfLinkTypes lists the types of the BPF links held open by this test's
// child processes (the tracer), from /proc/PID/fdinfo.
func bpfLinkTypes(t *testing.T) string {
	linkType := regexp.MustCompile(`(?m)^link_type:\s*(\S+)`)
	var types []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, stat := range stats {
		data, _ := os.ReadFile(stat)
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := strings.LastIndex(string(data), ") ")
		if i < 0 {
			continue
		}
		rest := string(data)[i+2:]
		if f := strings.Fields(rest); len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		fds, _ := filepath.Glob(filepath.Join(filepath.Dir(stat), "fdinfo", "*"))
		for _, fd := range fds {
			data, _ := os.ReadFile(fd)
			if m := linkType.FindSubmatch(data); m != nil {
				types = append(types, string(m[1]))
			}
		}
	}
	return fmt.Sprint(types)
}

// module:fn: a function of a loaded module (null_blk, which
// scripts/vmtest loads), with O_DIRECT writes to its device.
func TestKfuncModule(t *testing.T) {
	needKprobes(t)
	if _, err := os.Stat("/sys/module/null_blk"); err != nil {
		t.Skip("the null_blk module is not loaded (scripts/vmtest loads it): no module function to probe")
	}
	dev, err := os.OpenFile("/dev/nullb0", os.O_WRONLY|unix.O_DIRECT, 0)
	if err != nil {
		t.Skip("null_blk has no /dev/nullb0:", err)
	}
	defer dev.Close()
	// O_DIRECT wants an aligned buffer: a fresh mapping is page-aligned.
	buf, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(buf)
	trigger := func() {
		for i := range 5 {
			if _, err := unix.Pwrite(int(dev.Fd()), buf, int64(i)*4096); err != nil {
				t.Error(err)
			}
		}
	}
	for _, script := range []string{
		`kprobe:null_blk:null_queue_rq { @[func] = count(); }`,
		`fentry:null_blk:null_queue_rq { @[func, args.bd->rq->__data_len] = count(); }`,
	} {
		if strings.HasPrefix(script, "fentry") && !probes.ProbeFeatures(probes.NewKernel()).Fentry.OK {
			continue
		}
		r := traceScript(t, script, trigger)
		if !r.attached || r.code != 0 || r.stderr != "" {
			t.Fatalf("%s: exit %d\nstderr:\n%s", script, r.code, r.stderr)
		}
		want := `^@\[null_queue_rq\]: (\d+)$`
		if strings.HasPrefix(script, "fentry") {
			want = `^@\[null_queue_rq, 4096\]: (\d+)$`
		}
		m := regexp.MustCompile(`(?m)` + want).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Errorf("%s: no line %s in:\n%s", script, want, r.stdout)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < 5 {
			t.Errorf("%s: %s requests, want at least 5", script, m[1])
		}
	}
}

// curtask: BTF field chains through the current task at a kprobe.
func TestKfuncCurtask(t *testing.T) {
	needKprobes(t)
	lt := newLoadThread(t)
	want := fmt.Sprintf("@[%d, %d, %d]: 2", lt.tid, os.Getpid(), os.Getppid())
	wantMaps(t, `kprobe:vfs_read /tid == $1/ { @[curtask->pid, curtask->tgid, curtask->real_parent->tgid] = count(); }`,
		preads(t, lt, 1000, 4321, 2), want, lt.tid)
}

// kstack at a kprobe: symbolised frames from the probed function down to
// the syscall entry.
func TestKfuncKstack(t *testing.T) {
	needKprobes(t)
	lt := newLoadThread(t)
	r := traceScript(t, `kprobe:vfs_read /tid == $1/ { @[kstack] = count(); }`, preads(t, lt, 1000, 4321, 2), lt.tid)
	if !r.attached || r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	for _, frame := range []string{`vfs_read\+\d+`, `(ksys_pread64|__x64_sys_pread64)\+\d+`, `do_syscall_64\+\d+`, `entry_SYSCALL_64\S*\+\d+`} {
		wantLine(t, r.stdout, `^    `+frame+`$`)
	}
	wantLine(t, r.stdout, `^\]: 2$`)
}

// -l and -lv of kprobes where the kernel has them.
func TestKfuncList(t *testing.T) {
	needKprobes(t)
	code, stdout, stderr := runCLI(t, "", "-l", "kprobe:vfs_rea*")
	if code != 0 || !strings.Contains(stdout, "kprobe:vfs_read\n") {
		t.Errorf("-l: exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	code, stdout, stderr = runCLI(t, "", "-lv", "kprobe:vfs_read")
	if want := "kprobe:vfs_read\n    struct file * arg0\n    char * arg1\n    size_t arg2\n    loff_t * arg3\n"; code != 0 || stdout != want {
		t.Errorf("-lv: exit %d, stderr %q\n%s\nwant:\n%s", code, stderr, stdout, want)
	}
}

// path(): bpf_d_path on functions of the kernel's allowlist, from a
// struct path pointer (vfs_truncate's argument) and from a struct path
// inside a struct file (args.file->f_path, whose address is passed).
func TestKfuncPath(t *testing.T) {
	needFentry(t)
	lt := newLoadThread(t)
	dir, err := os.MkdirTemp("", "p")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	file := filepath.Join(dir, "pathfile")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	trigger := func() {
		lt.do(func() {
			for range 2 {
				if err := unix.Truncate(file, 0); err != nil {
					t.Error(err)
				}
			}
			fd, err := unix.Open(file, unix.O_RDONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			unix.Close(fd)
		})
	}
	wantMaps(t, `fentry:vfs_truncate /tid == $1/ { @trunc[path(args.path)] = count(); }
fentry:security_file_open /tid == $1/ { @open[path(args.file->f_path)] = count(); }`,
		trigger, fmt.Sprintf("@open[%s]: 1\n@trunc[%s]: 2", file, file), lt.tid)
}

// socket_cookie(): the cookie the kernel gives a socket, as user space
// reads it with SO_COOKIE: writes on a unix socket pair wake the peer
// through sock_def_readable(peer).
func TestKfuncSocketCookie(t *testing.T) {
	needFentry(t)
	lt := newLoadThread(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	cookie, err := unix.GetsockoptUint64(fds[1], unix.SOL_SOCKET, unix.SO_COOKIE)
	if err != nil {
		t.Skip("SO_COOKIE:", err)
	}
	trigger := func() {
		lt.do(func() {
			for range 2 {
				if _, err := unix.Write(fds[0], []byte("x")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wantMaps(t, `fentry:sock_def_readable /tid == $1/ { @[socket_cookie(args.sk)] = count(); }`,
		trigger, fmt.Sprintf("@[%d]: 2", cookie), lt.tid)
}
