package gtrace

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// End-to-end tests of kernel types from BTF: field chains through
// pointers, embedded structs, anonymous unions, arrays, bitfields and enums,
// read in real events and checked against what the test knows of itself,
// and one golden from bpftrace 0.17.

// btfScenarios run like the scenarios of TestE2E, with goldens in
// testdata/run made by bpftrace 0.17 (go test -run E2EBTF -bpftrace).
var btfScenarios = []scenario{
	{
		// A shell blocked on read execs chrt, which sets
		// SCHED_RESET_ON_FORK and execs /bin/true: at the exec
		// tracepoint in_execve is still set (a bitfield), so is
		// sched_reset_on_fork; se.on_rq is a member of an embedded
		// struct; the file name comes through mm->exe_file->f_path.dentry.
		name: "btf_exec_chain",
		script: `tracepoint:sched:sched_process_exec /pid == $1 && comm == "true"/ {
	printf("%s %s %d %d\n", curtask->comm, curtask->group_leader->comm, curtask->real_parent->tgid == curtask->parent->tgid, curtask->real_parent != 0);
	printf("%d %d %d\n", curtask->in_execve, curtask->sched_reset_on_fork, curtask->se.on_rq);
	printf("%s %s\n", str(curtask->mm->exe_file->f_path.dentry->d_name.name), str(args->filename));
	@[curtask->comm, curtask->group_leader->pid == pid] = count();
	exit();
}`,
		shell:       true,
		shellScript: "exec chrt -R -o 0 /bin/true",
		args: func(env *scenarioEnv) []string {
			return []string{strconv.Itoa(env.child.Process.Pid)}
		},
		after: func(t *testing.T, env *scenarioEnv) { env.release(t) },
	},
}

func TestE2EBTF(t *testing.T) {
	bin := tracer(t)
	if _, err := exec.LookPath("chrt"); err != nil {
		t.Skip("no chrt (util-linux)")
	}
	for _, sc := range btfScenarios {
		t.Run(sc.name, func(t *testing.T) {
			out := runScenario(t, bin, sc)
			checkGolden(t, sc.name, out)
		})
	}
}

// btfLines runs src in this process around a getppid call (or trigger)
// and returns its printf lines by their first word.
func btfLines(t *testing.T, src string, trigger ...func()) map[string][]string {
	t.Helper()
	do := func() { unix.Getppid() }
	if len(trigger) > 0 {
		do = trigger[0]
	}
	_, out, errs := runScript(t, src, RunOptions{}, do)
	lines := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 1 {
			lines[f[0]] = f[1:]
		}
	}
	if len(lines) == 0 {
		t.Fatalf("no output:\n%s\nstderr:\n%s", out, errs)
	}
	return lines
}

// The test process's own task_struct, walked from curtask: its parent,
// cgroup, open-file limit (an array of structs, with constant, variable and
// out-of-range indexes), its executable's link count (a member of an
// anonymous union in struct inode) and write hint (an enum).
func TestE2EBTFCurtask(t *testing.T) {
	lines := btfLines(t, `tracepoint:syscalls:sys_enter_getppid /pid == $1/ {
	$i = 7; $j = 16;
	printf("ppid %d\n", curtask->real_parent->tgid);
	printf("cgroup %d %d\n", curtask->cgroups->dfl_cgrp->kn->id, cgroup);
	printf("nofile %d %d %d\n", curtask->signal->rlim[7].rlim_cur, curtask->signal->rlim[$i].rlim_max, curtask->signal->rlim[$j].rlim_cur);
	printf("nlink %d\n", curtask->mm->exe_file->f_inode->i_nlink);
	printf("hint %d\n", curtask->mm->exe_file->f_inode->i_write_hint);
	printf("comm %s %s\n", curtask->group_leader->comm, curtask->real_parent->comm);
	printf("pp %d %d %s\n", ppid == curtask->real_parent->pid, curtask->real_parent->tgid, pcomm);
	$r = curtask->signal->rlim[7];
	printf("copy %d %d\n", $r.rlim_cur, $r.rlim_max);
	printf("addr %d %d\n", *(&curtask->pid) == tid, (&curtask->signal->rlim[7])->rlim_cur == curtask->signal->rlim[7].rlim_cur);
	exit();
}`)
	ppid := strconv.Itoa(os.Getppid())
	if got := lines["ppid"]; len(got) != 1 || got[0] != ppid {
		t.Errorf("real_parent->tgid = %v, want %s", got, ppid)
	}
	if got := lines["cgroup"]; len(got) != 2 || got[0] != got[1] {
		t.Errorf("cgroups->dfl_cgrp->kn->id and cgroup = %v, want equal", got)
	} else if ino, ok := cgroup2Inode(t); ok && got[0] != strconv.FormatUint(ino, 10) {
		t.Errorf("cgroup id %s, want the inode of this process's cgroup directory, %d", got[0], ino)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(lines["nofile"], " "), strconv.FormatUint(lim.Cur, 10)+" "+strconv.FormatUint(lim.Max, 10)+" 0"; got != want {
		t.Errorf("rlim[7].rlim_cur, rlim[$i].rlim_max, rlim[16] = %s, want %s", got, want)
	}
	if got, want := strings.Join(lines["copy"], " "), strconv.FormatUint(lim.Cur, 10)+" "+strconv.FormatUint(lim.Max, 10); got != want {
		t.Errorf("fields of a copied struct rlimit = %s, want %s", got, want)
	}
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &st); err != nil {
		t.Fatal(err)
	}
	if got := lines["nlink"]; len(got) != 1 || got[0] != strconv.FormatUint(uint64(st.Nlink), 10) {
		t.Errorf("i_nlink = %v, want %d", got, st.Nlink)
	}
	// WRITE_LIFE_NOT_SET: nothing sets a hint on an executable.
	if got := lines["hint"]; len(got) != 1 || got[0] != "0" {
		t.Errorf("i_write_hint = %v, want 0", got)
	}
	if got := strings.Join(lines["addr"], " "); got != "1 1" {
		t.Errorf("*(&curtask->pid) == tid, (&rlim[7])->rlim_cur == rlim[7].rlim_cur: %q, want \"1 1\"", got)
	}
	self, _ := os.ReadFile("/proc/self/comm")
	parent, _ := os.ReadFile("/proc/" + ppid + "/comm")
	if got, want := strings.Join(lines["comm"], " "), strings.TrimSpace(string(self))+" "+strings.TrimSpace(string(parent)); got != want {
		t.Errorf("group_leader->comm, real_parent->comm = %q, want %q", got, want)
	}
	// The builtins of bpftrace 0.24+ walk the same chain.
	if got, want := strings.Join(lines["pp"], " "), "1 "+ppid+" "+strings.TrimSpace(string(parent)); got != want {
		t.Errorf("ppid == real_parent->pid, real_parent->tgid, pcomm = %q, want %q", got, want)
	}
}

// ppid is the thread that created the task (real_parent->pid, as
// bpftrace's ppid), not getppid()'s process (real_parent->tgid): they
// differ for a child started from a thread other than the main one.
func TestE2EPpidOfThreadChild(t *testing.T) {
	var forker int
	lines := btfLines(t, `tracepoint:sched:sched_process_exec /curtask->real_parent->tgid == $1/ {
	printf("child %d %d %d\n", ppid, curtask->real_parent->pid, curtask->real_parent->tgid);
	exit();
}`, func() {
		// A goroutine locked to a thread other than the main one forks:
		// Go's fork (clone with CLONE_VFORK) runs on the calling thread.
		// One that lands on the main thread keeps it until the end, so
		// the next one cannot.
		release := make(chan struct{})
		defer close(release)
		for forker == 0 {
			got := make(chan int)
			go func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				if unix.Gettid() == os.Getpid() {
					got <- 0
					<-release
					return
				}
				exec.Command("/bin/true").Run()
				got <- unix.Gettid()
			}()
			forker = <-got
		}
	})
	me := strconv.Itoa(os.Getpid())
	if want := []string{strconv.Itoa(forker), strconv.Itoa(forker), me}; strings.Join(lines["child"], " ") != strings.Join(want, " ") {
		t.Errorf("ppid, real_parent->pid, real_parent->tgid = %v, want %v (forking thread %d of process %s)", lines["child"], want, forker, me)
	}
}

// cgroup2Inode is the inode of this process's cgroup v2 directory: the
// kernfs id that cgroup and dfl_cgrp->kn->id give.
func cgroup2Inode(t *testing.T) (uint64, bool) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	path := ""
	for _, l := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			path = p
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mounts")
	for _, l := range strings.Split(string(mounts), "\n") {
		f := strings.Fields(l)
		if len(f) > 2 && f[2] == "cgroup2" && path != "" {
			var st syscall.Stat_t
			if syscall.Stat(filepath.Join(f[1], path), &st) == nil {
				return st.Ino, true
			}
		}
	}
	t.Log("no cgroup2 mount: the cgroup id is compared with the cgroup builtin only")
	return 0, false
}

// Raw tracepoint args are pointers to kernel structs: followed into
// task_struct both typed from BTF (args.next) and cast from argN.
func TestE2EBTFRawTracepoint(t *testing.T) {
	lines := btfLines(t, `rawtracepoint:sched_switch /args.prev->tgid == $1 || args.next->tgid == $1/ {
	$p = (struct task_struct *)arg1;
	printf("switch %d %d\n", args.prev->pid == $p->pid, args.next->pid != args.prev->pid);
	if (args.next->tgid == $1) { printf("next %s\n", args.next->group_leader->comm); }
	if (args.prev->tgid == $1) { printf("prev %s\n", $p->group_leader->comm); }
	exit();
}`)
	self, _ := os.ReadFile("/proc/self/comm")
	comm := strings.TrimSpace(string(self))
	if got := strings.Join(lines["switch"], " "); got != "1 1" {
		t.Errorf("args.prev == arg1, next != prev: %q, want \"1 1\"", got)
	}
	for _, k := range []string{"next", "prev"} {
		if got, ok := lines[k]; ok && (len(got) != 1 || got[0] != comm) {
			t.Errorf("%s->group_leader->comm = %v, want %s", k, got, comm)
		}
	}
}

// A pointer cast in a uprobe names the process's memory: the struct is
// read with bpf_probe_read_user (sleep 0.123 asks libc for 123 ms).
func TestE2EBTFUprobeCast(t *testing.T) {
	_, out, errs := runScript(t, `uprobe:libc:clock_nanosleep /comm == "sleep"/ {
	$ts = (struct __kernel_timespec *)arg2;
	printf("ts %d %d\n", $ts->tv_sec, $ts->tv_nsec);
	exit();
}`, RunOptions{}, func() { exec.Command("sleep", "0.123").Run() })
	switch {
	case strings.Contains(out, "\nts 0 123000000\n"):
	case strings.Contains(out, "\nts "):
		t.Errorf("output:\n%s\nstderr:\n%s", out, errs)
	default:
		t.Skipf("sleep did not call libc's clock_nanosleep: %q", out)
	}
}

// A syscall's pointer argument is read from the calling process's memory,
// indexed or dereferenced.
func TestE2EBTFSyscallUserPointer(t *testing.T) {
	_, out, errs := runScript(t, `tracepoint:syscalls:sys_enter_openat /pid == $1/ {
	$i = 1;
	printf("fn %c%c %d\n", args->filename[0], args.filename[$i], *args->filename);
	exit();
}`, RunOptions{}, func() {
		if f, err := os.Open("/etc/hostname"); err == nil {
			f.Close()
		}
	})
	if !strings.Contains(out, "\nfn /e 47\n") {
		t.Errorf("output:\n%s\nstderr:\n%s", out, errs)
	}
}

// rawtracepoint:sched_process_exec's args (typed from BTF) lead into the
// new task and its linux_binprm.
func TestE2EBTFRawTracepointExec(t *testing.T) {
	_, out, errs := runScript(t, `rawtracepoint:sched_process_exec /args.p->real_parent->tgid == $1 && args.p->comm == "true"/ {
	printf("exec %s %s %d\n", args.p->comm, str(args.bprm->filename), args.old_pid == args.p->pid);
	exit();
}`, RunOptions{}, func() { exec.Command("/bin/true").Run() })
	if !strings.Contains(out, "\nexec true /bin/true 1\n") {
		t.Errorf("output:\n%s\nstderr:\n%s", out, errs)
	}
}
