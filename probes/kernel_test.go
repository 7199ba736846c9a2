package probes

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"golang.org/x/sys/unix"
)

// Tests against the running kernel. They skip, with the reason, when not
// root or when the facility is missing (probed, not guessed from versions).

// needRoot is the suite's one root check.
var needRoot = testkit.NeedRoot

func realKernel(t testing.TB) *Kernel {
	t.Helper()
	needRoot(t)
	k := NewKernel()
	if _, err := k.Tracefs(); err != nil {
		t.Skip("tracefs unavailable:", err)
	}
	return k
}

func TestRealFormats(t *testing.T) {
	k := realKernel(t)
	rec, err := k.TracepointArgs("syscalls", "sys_enter_openat")
	if err != nil {
		t.Skip("no syscalls:sys_enter_openat:", err)
	}
	if m := rec.Member("filename"); m == nil || m.Type.String() != "int8 *" || m.Offset != 24 {
		t.Errorf("sys_enter_openat filename = %+v", m)
	}
	if m := rec.Member("dfd"); m == nil || m.Type.String() != "int32" {
		t.Errorf("sys_enter_openat dfd = %+v", m)
	}
	if rec.Member("common_pid") != nil {
		t.Error("common_pid in args")
	}
	rec, err = k.TracepointArgs("sched", "sched_process_exec")
	if err != nil {
		t.Fatal(err)
	}
	if m := rec.Member("filename"); m == nil || !m.DataLoc || m.Type.Kind != lang.KindStr {
		t.Errorf("sched_process_exec filename = %+v", m)
	}
	rec, err = k.TracepointArgs("sched", "sched_switch")
	if err != nil {
		t.Fatal(err)
	}
	if m := rec.Member("next_comm"); m == nil || m.Type.String() != "string[16]" {
		t.Errorf("sched_switch next_comm = %+v", m)
	}
	for _, tp := range [][2]string{{"block", "block_rq_issue"}, {"net", "netif_receive_skb"}} {
		rec, err := k.TracepointArgs(tp[0], tp[1])
		if err != nil {
			t.Logf("%s:%s: %v", tp[0], tp[1], err)
			continue
		}
		if len(rec.Fields) == 0 || rec.Name != RecordName(tp[0], tp[1]) {
			t.Errorf("%s:%s = %+v", tp[0], tp[1], rec)
		}
	}
	if _, err := k.TracepointArgs("syscalls", "nosuch"); !errors.Is(err, ErrNoTracepoint) {
		t.Errorf("missing tracepoint: %v", err)
	}
}

// TestRealAllFormats parses every format file of the machine.
func TestRealAllFormats(t *testing.T) {
	k := realKernel(t)
	evs, err := k.Events()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		cat, ev, _ := cutColon(e)
		f, err := k.Format(cat, ev)
		if err != nil {
			if errors.Is(err, ErrNoTracepoint) {
				continue // listed in available_events but without a format (ftrace internals)
			}
			t.Errorf("%s: %v", e, err)
			continue
		}
		for _, m := range f.Record().Fields {
			if m.Type == nil || m.Name == "" {
				t.Errorf("%s: bad member %+v", e, m)
			}
		}
		n++
	}
	t.Logf("parsed %d of %d format files", n, len(evs))
}

func TestRealExpand(t *testing.T) {
	k := realKernel(t)
	ts, err := k.Expand(ap(lang.Tracepoint, "syscalls", "sys_enter_*"))
	if err != nil {
		t.Skip("no syscall tracepoints:", err)
	}
	if len(ts) < 100 {
		t.Errorf("only %d syscalls:sys_enter_* tracepoints", len(ts))
	}
	ts, err = k.Expand(ap(lang.Tracepoint, "*", "sys_enter_openat"))
	if err != nil || len(ts) != 1 || ts[0].Name != "tracepoint:syscalls:sys_enter_openat" {
		t.Errorf("*:sys_enter_openat = %v, %v", names(ts), err)
	}
	ts, err = k.Expand(ap(lang.RawTracepoint, "sched_switch"))
	if err != nil || len(ts) != 1 {
		t.Errorf("rawtracepoint:sched_switch = %v, %v", ts, err)
	}
	if _, err := k.Expand(ap(lang.RawTracepoint, "sys_enter_openat")); err == nil {
		t.Error("rawtracepoint:sys_enter_openat accepted (it is a syscalls: event, not a raw tracepoint)")
	}
	fns, err := k.KernelFuncs()
	if err != nil || len(fns) < 1000 {
		t.Errorf("KernelFuncs: %d, %v", len(fns), err)
	}
	ts, err = k.Expand(ap(lang.Kprobe, "vfs_rea*"))
	if err != nil || len(ts) == 0 {
		t.Errorf("kprobe:vfs_rea* = %v, %v", names(ts), err)
	}
}

// TestListMatchesBpftrace compares `-l`/`-lv` byte for byte with the
// installed bpftrace.
func TestListMatchesBpftrace(t *testing.T) {
	k := realKernel(t)
	bt, err := exec.LookPath("bpftrace")
	if err != nil {
		t.Skip("bpftrace not installed")
	}
	for _, tt := range []struct {
		pattern string
		verbose bool
	}{
		{"tracepoint:syscalls:sys_enter_open*", false},
		{"tracepoint:syscalls:sys_enter_open*", true},
		{"tracepoint:sched:*", true},
		{"tracepoint:*:*exec*", true},
		{"t:block:*", true},
		{"iter:*", true},
	} {
		flag := "-l"
		if tt.verbose {
			flag = "-lv"
		}
		want, err := exec.Command(bt, flag, tt.pattern).Output()
		if err != nil {
			t.Fatalf("bpftrace %s %s: %v", flag, tt.pattern, err)
		}
		var b bytes.Buffer
		if err := k.List(tt.pattern, &b, tt.verbose); err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s %q differs from bpftrace:\n%s\nwant:\n%s", flag, tt.pattern, b.String(), want)
		}
	}
}

func TestRealStruct(t *testing.T) {
	needRoot(t)
	k := NewKernel()
	if _, err := k.Spec(); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	task, err := k.Struct("struct task_struct")
	if err != nil || task == nil {
		t.Fatalf("task_struct = %v, %v", task, err)
	}
	if task.Size < 1000 || task.Name != "struct task_struct" {
		t.Errorf("task_struct = %s size %d", task.Name, task.Size)
	}
	for name, typ := range map[string]string{
		"pid": "int32", "tgid": "int32", "comm": "string[16]", "__state": "unsigned int32",
		"mm": "struct mm_struct *", "real_parent": "struct task_struct *", "flags": "unsigned int32",
	} {
		m := task.Member(name)
		if m == nil || m.Type.String() != typ {
			t.Errorf("task_struct.%s = %+v, want %s", name, m, typ)
			continue
		}
		if m.Offset <= 0 || m.Offset >= task.Size {
			t.Errorf("task_struct.%s offset %d", name, m.Offset)
		}
	}
	// Pointer targets stay shallow; resolving them by name gives the members.
	if mm := task.Member("mm"); mm != nil && mm.Type.Elem.Fields != nil {
		t.Error("mm_struct converted eagerly")
	}
	mm, err := k.Struct("struct mm_struct")
	if err != nil || mm == nil || len(mm.Fields) == 0 {
		t.Errorf("mm_struct = %v, %v", mm, err)
	}
	// Bitfields: struct sk_buff has several.
	skb, _ := k.Struct("struct sk_buff")
	bits := 0
	for _, m := range skb.Fields {
		if m.BitSize > 0 {
			bits++
			if m.BitOff+m.BitSize > m.Type.Size*8 || m.Offset%m.Type.Size != 0 {
				t.Errorf("sk_buff.%s bitfield off %d bit %d+%d in %s", m.Name, m.Offset, m.BitOff, m.BitSize, m.Type)
			}
		}
	}
	if bits == 0 {
		t.Error("no bitfields found in sk_buff")
	}
	for _, name := range []string{"union bpf_attr", "enum pid_type", "pid_t", "u64"} {
		if ty, err := k.Struct(name); err != nil || ty == nil {
			t.Errorf("Struct(%q) = %v, %v", name, ty, err)
		}
	}
	if ty, err := k.Struct("struct no_such_struct"); ty != nil || err != nil {
		t.Errorf("unknown struct = %v, %v", ty, err)
	}
}

func TestFeatures(t *testing.T) {
	needRoot(t)
	f := ProbeFeatures(NewKernel())
	t.Logf("features:\n%s", f)
	if !f.Tracefs.OK && FindTracefs() != "" {
		t.Error("tracefs found but reported missing")
	}
}

// TestMountTracefs unmounts tracefs and checks that Tracefs mounts it back,
// and that without permission to mount the error says how.
func TestMountTracefs(t *testing.T) {
	needRoot(t)
	if os.Getenv("GTRACE_TEST_UMOUNT") == "0" {
		t.Skip("GTRACE_TEST_UMOUNT=0")
	}
	if !isTracefs(DefaultTracefs) {
		t.Skip("tracefs is not mounted at", DefaultTracefs)
	}
	if isTracefs(legacyTracefs) {
		t.Skip("tracefs is also reachable through debugfs; cannot test mounting")
	}
	if err := unix.Unmount(DefaultTracefs, 0); err != nil {
		t.Skip("cannot unmount tracefs (busy?):", err)
	}
	t.Cleanup(func() {
		if !isTracefs(DefaultTracefs) {
			if err := MountTracefs(); err != nil {
				t.Errorf("restoring tracefs: %v", err)
			}
		}
	})
	if d := FindTracefs(); d != "" {
		t.Fatalf("FindTracefs after umount = %q", d)
	}
	k := &Kernel{NoMount: true}
	if _, err := k.Tracefs(); !errors.Is(err, ErrNoTracefs) || !strings.Contains(err.Error(), "mount -t tracefs nodev /sys/kernel/tracing") {
		t.Errorf("NoMount error = %v", err)
	}
	d, err := Tracefs()
	if err != nil || d != DefaultTracefs || !isTracefs(DefaultTracefs) {
		t.Errorf("Tracefs() = %q, %v", d, err)
	}
}

func BenchmarkEvents(b *testing.B) {
	needRoot(b)
	dir := FindTracefs()
	if dir == "" {
		b.Skip("no tracefs")
	}
	for b.Loop() {
		k := &Kernel{TracefsDir: dir}
		if _, err := k.Events(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpandSyscalls(b *testing.B) {
	needRoot(b)
	dir := FindTracefs()
	if dir == "" {
		b.Skip("no tracefs")
	}
	for b.Loop() {
		k := &Kernel{TracefsDir: dir}
		if _, err := k.Expand(ap(lang.Tracepoint, "syscalls", "sys_enter_*")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTracepointsCached(b *testing.B) {
	needRoot(b)
	k := realKernel(b)
	k.Events()
	for b.Loop() {
		if _, err := k.Tracepoints("syscalls", "sys_enter_*"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStructTaskStruct(b *testing.B) {
	needRoot(b)
	for b.Loop() {
		k := NewKernel()
		if _, err := k.Struct("struct task_struct"); err != nil {
			b.Skip(err)
		}
	}
}

func BenchmarkStructTaskStructCachedSpec(b *testing.B) {
	needRoot(b)
	spec, err := NewKernel().Spec()
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		k := &Kernel{BTF: spec}
		if _, err := k.Struct("struct task_struct"); err != nil {
			b.Fatal(err)
		}
	}
}
