package sema_test

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
)

// protoEnv adds BTF signatures to testEnv: vfs_read and vfs_write (same
// arguments), do_sys_openat2 (others), a void function and a raw
// tracepoint.
func protoEnv() *sema.TableEnv {
	e := testEnv()
	task := e.Types["struct task_struct"]
	file := &lang.Type{Kind: lang.KindRecord, Name: "struct file"}
	rw := func(name string) *lang.Proto {
		return &lang.Proto{Name: name, Ret: lang.Int64, Args: &lang.Type{Kind: lang.KindRecord, Name: "args", Size: 32, Fields: []*lang.Member{
			field("file", lang.PtrTo(file), 0), field("buf", lang.PtrTo(lang.IntType(1, true)), 8),
			field("count", lang.Uint64, 16), field("pos", lang.PtrTo(lang.Int64), 24)}}}
	}
	e.Funcs = map[string]*lang.Proto{
		"vfs_read": rw("vfs_read"), "vfs_write": rw("vfs_write"),
		"do_sys_openat2": {Name: "do_sys_openat2", Ret: lang.Int64, Args: &lang.Type{Kind: lang.KindRecord, Name: "args", Size: 24, Fields: []*lang.Member{
			field("dfd", lang.Int32, 0), field("filename", lang.PtrTo(lang.IntType(1, true)), 8), field("how", lang.PtrTo(lang.None), 16)}}},
		"wake_up_new_task": {Name: "wake_up_new_task", Args: &lang.Type{Kind: lang.KindRecord, Name: "args", Size: 8, Fields: []*lang.Member{
			field("p", lang.PtrTo(task), 0)}}},
	}
	e.RawTPs = map[string]*lang.Proto{
		"sched_switch": {Name: "sched_switch", Args: &lang.Type{Kind: lang.KindRecord, Name: "args", Size: 32, Fields: []*lang.Member{
			field("preempt", lang.Bool, 0), field("prev", lang.PtrTo(task), 8), field("next", lang.PtrTo(task), 16), field("prev_state", lang.Uint32, 24)}}},
	}
	return e
}

func TestProtoTypes(t *testing.T) {
	for src, want := range map[string]string{
		`fentry:vfs_read { $x = args.count; }`:                           "unsigned int64",
		`kfunc:vfs_read { $x = args->file; }`:                            "struct file *",
		`fexit:vfs_read { $x = retval; }`:                                "int64",
		`fr:do_sys_openat2 { $x = args.dfd; }`:                           "int32",
		`fentry:wake_up_new_task { $x = args.p->comm; }`:                 "string[16]",
		`fentry:vfs_* { $x = args.pos; }`:                                "int64 *",
		`rawtracepoint:sched_switch { $x = args.next->pid; }`:            "int32",
		`rawtracepoint:sched_switch { $x = args.prev_state; }`:           "unsigned int32",
		`fentry:vfs_read { $x = args; @[args] = count(); print(args); }`: "args",
	} {
		p, info, errs := checkSrc(t, src, sema.Options{Env: protoEnv()})
		if errs.HasErrors() {
			t.Errorf("%s:\n%s", src, render(src, errs))
			continue
		}
		v := exprOf(p, func(e lang.Expr) bool { _, ok := e.(*lang.Var); return ok })
		if got := info.Types[v].String(); got != want {
			t.Errorf("%s: $x is %s, want %s", src, got, want)
		}
	}
}

func TestProtoErrors(t *testing.T) {
	for src, want := range map[string]string{
		`fentry:vfs_read { $x = args.nosuch; }`:                     "does not contain a field named 'nosuch'",
		`fentry:vfs_read,fentry:do_sys_openat2 { $x = args.dfd; }`:  "Probe has attach points with mixed arguments",
		`fentry:* { $x = args.file; }`:                              "Probe has attach points with mixed arguments",
		`fexit:wake_up_new_task { $x = retval; }`:                   "retval: wake_up_new_task returns void",
		`fentry:vfs_read { $x = retval; }`:                          "The retval builtin can only be used",
		`tracepoint:syscalls:sys_enter_read { @[args] = count(); }`: "context cannot be used as a map key",
		`fentry:vfs_read { $x = args->nosuch; }`:                    "does not contain a field named 'nosuch'",
		`fentry:vfs_read { $x = arg0; }`:                            "The arg0 builtin can only be used",
	} {
		_, _, errs := checkSrc(t, src, sema.Options{Env: protoEnv()})
		if got := render(src, errs); !strings.Contains(got, want) {
			t.Errorf("%s: got\n%s\nwant %q", src, got, want)
		}
	}
}

// TestProtoWithoutKernel: without kernel facts args stays opaque (any
// field, untyped) and retval unknown, so scripts still check.
func TestProtoWithoutKernel(t *testing.T) {
	src := `fexit:vfs_read { $x = args.anything + retval; }`
	if _, _, errs := checkSrc(t, src, sema.Options{Env: sema.NoKernel}); errs.HasErrors() {
		t.Fatal(render(src, errs))
	}
}
