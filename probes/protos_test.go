package probes

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// btfKernel is the running kernel, skipping without root or BTF.
func btfKernel(t *testing.T) *Kernel {
	t.Helper()
	k := realKernel(t)
	if _, err := k.Spec(); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	return k
}

func TestFuncProto(t *testing.T) {
	k := btfKernel(t)
	ps, err := k.Protos(lang.Fentry, "", "vfs_read")
	if err != nil || len(ps) != 1 {
		t.Fatalf("vfs_read: %v, %d signatures", err, len(ps))
	}
	p := ps[0]
	// ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)
	want := []struct {
		name string
		off  int
		kind lang.Kind
		size int
		sign bool
	}{{"file", 0, lang.KindPtr, 8, false}, {"buf", 8, lang.KindPtr, 8, false},
		{"count", 16, lang.KindInt, 8, false}, {"pos", 24, lang.KindPtr, 8, false}}
	if len(p.Args.Fields) != len(want) {
		t.Fatalf("vfs_read args: %v", p.Args.Fields)
	}
	for i, w := range want {
		f := p.Args.Fields[i]
		if f.Name != w.name || f.Offset != w.off || f.Type.Kind != w.kind || f.Type.Size != w.size || f.Type.Signed != w.sign {
			t.Errorf("arg %d: %s@%d %v, want %+v", i, f.Name, f.Offset, f.Type, w)
		}
	}
	if f := p.Args.Fields[0].Type.Elem; f.Name != "struct file" {
		t.Errorf("file points to %q", f.Name)
	}
	if p.Ret == nil || !p.Ret.Signed || p.Ret.Size != 8 || p.RetName != "ssize_t" || p.RetOffset() != 32 {
		t.Errorf("retval %v %q at %d, want ssize_t at 32", p.Ret, p.RetName, p.RetOffset())
	}
	if strings.Join(p.ArgNames, "|") != "struct file * file|char * buf|size_t count|loff_t * pos" {
		t.Errorf("arg names %q", p.ArgNames)
	}
	// An int argument keeps its size and sign; a missing function
	// matches nothing; a wildcard matches several, sorted.
	if ps, _ := k.Protos(lang.Fentry, "vmlinux", "do_sys_openat2"); len(ps) != 1 || ps[0].Args.Fields[0].Type.Size != 4 || !ps[0].Args.Fields[0].Type.Signed {
		t.Errorf("do_sys_openat2 dfd: %v", ps)
	}
	if ps, err := k.Protos(lang.Fexit, "", "no_such_function_here"); err != nil || len(ps) != 0 {
		t.Errorf("missing function: %v %v", ps, err)
	}
	ps, err = k.Protos(lang.Fentry, "", "vfs_rea*")
	if err != nil || len(ps) < 2 || ps[0].Name > ps[1].Name {
		t.Errorf("vfs_rea*: %v %d", err, len(ps))
	}
	if _, err := k.Protos(lang.Fentry, "no_such_module", "f"); err == nil || !strings.Contains(err.Error(), "no_such_module") {
		t.Errorf("missing module: %v", err)
	}
}

func TestRawTracepointProto(t *testing.T) {
	k := btfKernel(t)
	ps, err := k.Protos(lang.RawTracepoint, "", "sched_switch")
	if err != nil || len(ps) != 1 {
		t.Fatalf("sched_switch: %v, %d", err, len(ps))
	}
	// (void *__data,) bool preempt, struct task_struct *prev, *next, unsigned int prev_state
	got := ""
	for _, f := range ps[0].Args.Fields {
		got += f.Name + "@" + itoa(f.Offset) + " "
	}
	if !strings.HasPrefix(got, "preempt@0 prev@8 next@16 prev_state@24") {
		t.Errorf("sched_switch args: %s", got)
	}
	if ps[0].Ret != nil {
		t.Errorf("raw tracepoint with a return type %v", ps[0].Ret)
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestListParams checks -lv of fentry, kprobe, kretprobe and raw
// tracepoints against bpftrace 0.26's format.
func TestListParams(t *testing.T) {
	k := btfKernel(t)
	for pat, want := range map[string]string{
		"fentry:vfs_read":            "fentry:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n    ssize_t retval\n",
		"kprobe:vfs_read":            "kprobe:vfs_read\n    struct file * arg0\n    char * arg1\n    size_t arg2\n    loff_t * arg3\n",
		"kretprobe:vfs_read":         "kretprobe:vfs_read\n    ssize_t retval\n",
		"kretprobe:wake_up_new_task": "kretprobe:wake_up_new_task\n    void\n",
		"rawtracepoint:sched_switch": "rawtracepoint:sched_switch\n    bool preempt\n    struct task_struct * prev\n    struct task_struct * next\n    unsigned int prev_state\n",
	} {
		var b bytes.Buffer
		if err := k.List(pat, &b, true); err != nil {
			t.Fatalf("%s: %v", pat, err)
		}
		if b.String() != want {
			t.Errorf("-lv %s:\n%s\nwant\n%s", pat, b.String(), want)
		}
	}
}

func TestSuggest(t *testing.T) {
	k := FixtureKernel("testdata/tracefs")
	for _, c := range []struct {
		fn   string
		ret  bool
		want string
	}{
		{"vfs_read", false, "tracepoint:syscalls:sys_enter_read"},
		{"ksys_read", false, "tracepoint:syscalls:sys_enter_read"},
		{"__x64_sys_read", false, "tracepoint:syscalls:sys_enter_read"},
		{"sched_switch", false, "tracepoint:sched:sched_switch or rawtracepoint:sched_switch"},
		{"__schedule", false, "a tracepoint of sched (gtrace -l 'tracepoint:sched:*')"},
		{"tcp_v4_connect", true, "a tracepoint or raw tracepoint (gtrace -l 'tracepoint:*tcp_v4_connect*')"},
	} {
		if got := k.Suggest(c.fn, c.ret); got != c.want {
			t.Errorf("Suggest(%s, %v) = %q, want %q", c.fn, c.ret, got, c.want)
		}
	}
	if funcTopic("do_sys_openat2") != "openat2" || funcTopic("__do_sys_openat2") != "openat2" || funcTopic("__") != "__" {
		t.Error("funcTopic")
	}
	if !hasWord("tcp_retransmit_skb", "retransmit_skb") || hasWord("reschedule_exit", "schedule") || !hasWord("sched_switch", "sched") {
		t.Error("hasWord")
	}
}

func TestRegs(t *testing.T) {
	x, a := RegsFor("amd64"), RegsFor("arm64")
	for _, c := range []struct {
		r    *Regs
		name string
		off  int16
	}{{x, "di", 112}, {x, "ax", 80}, {x, "ip", 128}, {x, "sp", 152},
		{a, "x0", 0}, {a, "regs[7]", 56}, {a, "r30", 240}, {a, "sp", 248}, {a, "pc", 256}} {
		if off, ok := c.r.Offset(c.name); !ok || off != c.off {
			t.Errorf("%s %s at %d (%v), want %d", c.r.Arch, c.name, off, ok, c.off)
		}
	}
	if len(x.Args) != 6 || x.Args[5] != "r9" || x.StackArg0 != 8 || x.Ret != "ax" {
		t.Errorf("x86-64 calling convention: %+v", x)
	}
	if len(a.Args) != 8 || a.Args[7] != "x7" || a.StackArg0 != 0 || a.Ret != "x0" || a.IP != "pc" {
		t.Errorf("arm64 calling convention: %+v", a)
	}
	if RegsFor("mips") != nil || HostRegs() == nil {
		t.Error("RegsFor of an unknown architecture")
	}
}

// TestFentryExpand: fentry targets name their function (vmlinux: or a
// module's), wildcards match BTF functions, and a missing module or
// function is an error that says which.
func TestFentryExpand(t *testing.T) {
	k := btfKernel(t)
	ts, err := k.Expand(ap(lang.Fexit, "vmlinux", "vfs_read"))
	if err != nil || len(ts) != 1 || ts[0].Func != "vfs_read" || ts[0].Category != "" || ts[0].Name != "fexit:vmlinux:vfs_read" {
		t.Errorf("fexit:vmlinux:vfs_read: %+v %v", ts, err)
	}
	ts, err = k.Expand(ap(lang.Fentry, "vfs_rea*"))
	if err != nil || len(ts) < 2 {
		t.Fatalf("fentry:vfs_rea*: %v %v", ts, err)
	}
	for _, tg := range ts {
		if !strings.HasPrefix(tg.Func, "vfs_rea") || tg.Name != "fentry:"+tg.Func {
			t.Errorf("target %+v", tg)
		}
	}
	for _, a := range []*lang.AttachPoint{ap(lang.Fentry, "nosuchmod", "fn"), ap(lang.Fentry, "no_such_function_here")} {
		if _, err := k.Expand(a); err == nil || !strings.Contains(err.Error(), a.Args[0]) {
			t.Errorf("%v: %v", a.Args, err)
		}
	}
}
