package sema_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/probes"
)

// kernelEnv is the running kernel's types (BTF and tracefs), or a skip
// when this machine cannot read them.
func kernelEnv(t *testing.T) sema.Env {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	k := probes.NewKernel()
	if rec, err := k.Struct("struct task_struct"); rec == nil || err != nil {
		t.Skipf("struct task_struct not in BTF: %v", err)
	}
	return k
}

// Errors in field chains over kernel types are the checker's, with the
// span of the bad access and bpftrace 0.17's wording (the spans are
// gtrace's own: bpftrace 0.17 starts those inside print() at print).
func TestBTFFieldErrors(t *testing.T) {
	env := kernelEnv(t)
	for _, tc := range []struct{ src, want string }{
		{`BEGIN { print(curtask->se->on_rq); }`,
			"stdin:1:15-33: ERROR: Can not dereference struct/union of type 'struct sched_entity'. It is not a pointer."},
		{`BEGIN { print(curtask->real_parent->nosuch_field); }`,
			"stdin:1:15-49: ERROR: Struct/union of type 'struct task_struct' does not contain a field named 'nosuch_field'"},
		{`BEGIN { print(((struct task_struct *)0)->se.nosuch); }`,
			"stdin:1:15-51: ERROR: Struct/union of type 'struct sched_entity' does not contain a field named 'nosuch'"},
		{`BEGIN { print(curtask->signal->rlim[100].rlim_cur); }`,
			"stdin:1:15-41: ERROR: the index 100 is out of bounds for array of size 16"},
		{`BEGIN { $x = (struct nosuch *)0; }`,
			"stdin:1:14-31: ERROR: Unknown struct/union: 'struct nosuch'"},
		{`BEGIN { print(pid->x); }`,
			"stdin:1:15-21: ERROR: Can not access field 'x' on expression of type 'unsigned int32'"},
		{`BEGIN { print(curtask->comm->x); }`,
			"stdin:1:15-31: ERROR: Can not access field 'x' on expression of type 'string[16]'"},
		// (se.exec_start is a u64 on every kernel; se.on_rq, say, became
		// a u8 in 6.x)
		{`BEGIN { print(curtask->se.exec_start.x); }`,
			"stdin:1:15-39: ERROR: Can not access field 'x' on expression of type 'unsigned int64'"},
		{`BEGIN { print(curtask->signal->rlim.rlim_cur); }`,
			"stdin:1:15-45: ERROR: Can not access field 'rlim_cur' on expression of type 'struct rlimit[16]'"},
		{`BEGIN { print(sizeof(struct nosuch)); }`,
			"stdin:1:15-36: ERROR: Unknown identifier: 'struct nosuch'"},
		{`BEGIN { print(offsetof(struct task_struct, se.nosuch)); }`,
			"stdin:1:15-54: ERROR: Struct/union of type 'struct sched_entity' does not contain a field named 'nosuch'"},
	} {
		_, _, errs := checkSrc(t, tc.src, sema.Options{Env: env})
		got := render(tc.src, errs)
		if !strings.HasPrefix(got, tc.want+"\n") {
			t.Errorf("%s\n got: %s\nwant: %s", tc.src, got, tc.want)
		}
	}
}

// Chains type as the kernel declares the last member; pointers reached
// through syscall arguments or cast in uprobes are user memory, the
// kernel's own are not.
func TestBTFFieldTypes(t *testing.T) {
	env := kernelEnv(t)
	for _, tc := range []struct {
		src, expr, want string
		user            bool
	}{
		{`BEGIN { $x = curtask->se.exec_start; }`, "curtask->se.exec_start", "unsigned int64", false},
		{`BEGIN { $x = curtask->signal->rlim[7].rlim_cur; }`, "curtask->signal->rlim[7].rlim_cur", "unsigned int64", false},
		{`BEGIN { $x = curtask->real_parent->comm; }`, "curtask->real_parent->comm", "string[16]", false},
		{`BEGIN { $x = curtask->real_parent; }`, "curtask->real_parent", "struct task_struct *", false},
		{`BEGIN { $x = curtask->__state; }`, "curtask->__state", "unsigned int32", false}, // in an anonymous member on older kernels
		{`tracepoint:syscalls:sys_enter_clock_nanosleep { $x = args->rqtp; }`, "args->rqtp", "struct __kernel_timespec *", true},
		{`tracepoint:syscalls:sys_enter_clock_nanosleep { $x = args->rqtp->tv_sec; }`, "args->rqtp->tv_sec", "int64", false},
		{`uprobe:/bin/sh:main { $x = (struct __kernel_timespec *)arg0; }`, "(struct __kernel_timespec *)arg0", "struct __kernel_timespec *", true},
		{`uprobe:/bin/sh:main { $x = kptr((struct __kernel_timespec *)arg0); }`, "kptr((struct __kernel_timespec *)arg0)", "struct __kernel_timespec *", false},
		{`kprobe:do_nanosleep { $x = uptr((struct __kernel_timespec *)arg0)->tv_sec; }`, "uptr((struct __kernel_timespec *)arg0)", "struct __kernel_timespec *", true},
		{`kprobe:do_nanosleep { $x = (struct hrtimer_sleeper *)arg0; }`, "(struct hrtimer_sleeper *)arg0", "struct hrtimer_sleeper *", false},
	} {
		p, info, errs := checkSrc(t, tc.src, sema.Options{Env: env})
		if errs.HasErrors() {
			t.Errorf("%s:\n%s", tc.src, render(tc.src, errs))
			continue
		}
		e := exprOf(p, func(e lang.Expr) bool {
			sp := e.SpanOf()
			return tc.src[sp.Start.Offset:sp.End.Offset] == tc.expr
		})
		if e == nil {
			t.Fatalf("%s: no expression %q", tc.src, tc.expr)
		}
		got := info.Types[e]
		if got.String() != tc.want || got.User != tc.user {
			t.Errorf("%s: %s is %s (user %v), want %s (user %v)", tc.src, tc.expr, got, got.User, tc.want, tc.user)
		}
	}
}

// A record known by name only (a forward declaration in BTF) has no
// fields to read: with a kernel that is the checker's error, not code
// generation's.
func TestOpaqueRecordField(t *testing.T) {
	opaque := &lang.Type{Kind: lang.KindRecord, Name: "struct opaque"}
	env := &sema.TableEnv{Types: map[string]*lang.Type{
		"struct a": {Kind: lang.KindRecord, Name: "struct a", Size: 8, Fields: []*lang.Member{field("p", lang.PtrTo(opaque), 0)}},
	}}
	src := `BEGIN { $x = ((struct a *)0)->p->x; }`
	_, _, errs := checkSrc(t, src, sema.Options{Env: env})
	want := "stdin:1:14-35: ERROR: Unknown struct/union: 'struct opaque'\n"
	if got := render(src, errs); !strings.HasPrefix(got, want) {
		t.Errorf("got:\n%swant:\n%s", got, want)
	}
	// Without a kernel nothing can tell: the field is an integer.
	if _, _, errs := checkSrc(t, src, sema.Options{Env: sema.NoKernel}); errs.HasErrors() {
		t.Errorf("NoKernel: %s", render(src, errs))
	}
}
