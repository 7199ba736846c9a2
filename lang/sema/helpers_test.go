package sema_test

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
)

func field(name string, t *lang.Type, off int) *lang.Member {
	return &lang.Member{Name: name, Type: t, Offset: off}
}

func tpRecord(cat, ev string, fields ...*lang.Member) *lang.Type {
	return &lang.Type{Kind: lang.KindRecord, Name: "struct _tracepoint_" + cat + "_" + ev, Fields: fields}
}

// testEnv is a small kernel: three syscall tracepoints, one sched
// tracepoint and two BTF structs.
func testEnv() *sema.TableEnv {
	charp := lang.PtrTo(lang.IntType(1, true))
	task := &lang.Type{Kind: lang.KindRecord, Name: "struct task_struct", Size: 64}
	task.Fields = []*lang.Member{
		field("pid", lang.Int32, 0),
		field("tgid", lang.Int32, 4),
		field("comm", lang.StrType(16), 8),
		field("real_parent", lang.PtrTo(task), 24),
	}
	return &sema.TableEnv{
		TP: map[string]*lang.Type{
			"syscalls:sys_enter_openat": tpRecord("syscalls", "sys_enter_openat",
				field("__syscall_nr", lang.Int32, 8), field("dfd", lang.Int64, 16),
				field("filename", charp, 24), field("flags", lang.Int64, 32), field("mode", lang.Uint64, 40)),
			"syscalls:sys_enter_open": tpRecord("syscalls", "sys_enter_open",
				field("__syscall_nr", lang.Int32, 8), field("filename", charp, 16),
				field("flags", lang.Int64, 24), field("mode", lang.Uint64, 32)),
			"syscalls:sys_enter_read": tpRecord("syscalls", "sys_enter_read",
				field("__syscall_nr", lang.Int32, 8), field("fd", lang.Uint32, 16),
				field("buf", charp, 24), field("count", lang.Uint64, 32)),
			"syscalls:sys_exit_openat": tpRecord("syscalls", "sys_exit_openat",
				field("__syscall_nr", lang.Int32, 8), field("ret", lang.Int64, 16)),
			"sched:sched_switch": tpRecord("sched", "sched_switch",
				field("prev_comm", lang.StrType(16), 8), field("prev_pid", lang.Int32, 24),
				field("next_comm", lang.StrType(16), 40), field("next_pid", lang.Int32, 56)),
		},
		Types: map[string]*lang.Type{
			"struct task_struct": task,
			"struct path":        {Kind: lang.KindRecord, Name: "struct path", Size: 16, Fields: []*lang.Member{field("mnt", lang.PtrTo(lang.None), 0), field("dentry", lang.PtrTo(lang.None), 8)}},
		},
	}
}

// checkSrc parses and checks src; a parse error fails the test.
func checkSrc(t testing.TB, text string, opts sema.Options) (*lang.Program, *sema.Info, lang.ErrorList) {
	t.Helper()
	src := lang.Source{Name: "stdin", Text: text}
	p, errs := parse.Parse(src, parse.Options{Params: opts.Params})
	if errs.HasErrors() {
		var b strings.Builder
		src.RenderAll(&b, errs)
		t.Fatalf("parse %q:\n%s", text, b.String())
	}
	if opts.Env == nil {
		opts.Env = testEnv()
	}
	info, errs := sema.Check(p, opts)
	return p, info, errs
}

func render(text string, errs lang.ErrorList) string {
	var b strings.Builder
	lang.Source{Name: "stdin", Text: text}.RenderAll(&b, errs)
	return b.String()
}

// exprOf returns the first expression in p for which pick returns true.
func exprOf(p *lang.Program, pick func(lang.Expr) bool) lang.Expr {
	var found lang.Expr
	lang.Inspect(p, func(n lang.Node) bool {
		if found != nil {
			return false
		}
		if e, ok := n.(lang.Expr); ok && pick(e) {
			found = e
			return false
		}
		return true
	})
	return found
}
