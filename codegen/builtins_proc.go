package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Register-valued builtins, each under the name sema.Builtins gives it
// (memory-valued ones, the strings, are in builtins_task.go and strings.go).
func init() {
	for name, fn := range map[string]asm.BuiltinFunc{
		"nsecs":   asm.FnKtimeGetBootNs, // 5.8+; bpftrace's default clock
		"cpu":     asm.FnGetSmpProcessorId,
		"numaid":  asm.FnGetNumaNodeId,
		"rand":    asm.FnGetPrandomU32,
		"cgroup":  asm.FnGetCurrentCgroupId,
		"curtask": asm.FnGetCurrentTask,
		"jiffies": asm.FnJiffies64,
	} {
		addBuiltin(name, helperValue(fn))
	}
	// pid and tid, uid and gid: the two halves of one helper's result.
	addBuiltin("pid", helperValue(asm.FnGetCurrentPidTgid, asm.RSh.Imm(asm.R0, 32)))
	addBuiltin("tid", helperValue(asm.FnGetCurrentPidTgid, asm.Mov.Reg32(asm.R0, asm.R0)))
	addBuiltin("gid", helperValue(asm.FnGetCurrentUidGid, asm.RSh.Imm(asm.R0, 32)))
	addBuiltin("uid", helperValue(asm.FnGetCurrentUidGid, asm.Mov.Reg32(asm.R0, asm.R0)))
	// username is the uid; user space prints the name (KindUsername).
	addBuiltin("username", helperValue(asm.FnGetCurrentUidGid, asm.Mov.Reg32(asm.R0, asm.R0)))
	addBuiltin("elapsed", helperValue(asm.FnKtimeGetBootNs,
		asm.LoadMapValue(asm.R1, 0, StateStartNs).WithReference(StateMap),
		asm.LoadMem(asm.R1, asm.R1, 0, asm.DWord),
		asm.Sub.Reg(asm.R0, asm.R1),
	))
	addBuiltin("func", (*gen).funcValue)
	addBuiltin("ncpus", func(g *gen, _ *lang.Builtin, dst asm.Register) {
		// The possible CPUs, as bpftrace counts them; a constant here.
		g.b.emit(movImm(dst, int64(g.c.opts.NumCPU)))
	})
	addBuiltin("cpid", func(g *gen, _ *lang.Builtin, dst asm.Register) {
		// The -c command is started (suspended) before code generation.
		g.b.emit(movImm(dst, int64(g.c.opts.ChildPID)))
	})
	addBuiltin("ppid", (*gen).ppid)
	addBuiltin("leader_tid", (*gen).leaderTid)
	addBuiltin("probe", func(g *gen, _ *lang.Builtin, dst asm.Register) { g.probeValue(dst) })
	stack := func(g *gen, e *lang.Builtin, dst asm.Register) { g.stack(g.typeOf(e), dst) }
	addBuiltin("kstack", stack)
	addBuiltin("ustack", stack)
	addBuiltin("retval", (*gen).retval)
	// args as a value is the context pointer (tracepoint records); ctx is
	// the context.
	ctx := func(g *gen, _ *lang.Builtin, dst asm.Register) { g.b.emit(asm.Mov.Reg(dst, asm.R6)) }
	addBuiltin("args", ctx)
	addBuiltin("ctx", ctx)
	for n := 0; n <= 9; n++ {
		addBuiltin(fmt.Sprintf("arg%d", n), func(g *gen, _ *lang.Builtin, dst asm.Register) { g.argN(n, dst) })
		addBuiltin(fmt.Sprintf("sarg%d", n), func(g *gen, _ *lang.Builtin, dst asm.Register) { g.stackArg(n, dst) })
	}
}

// helperValue is a builtin that is a helper's result, adjusted by then.
func helperValue(fn asm.BuiltinFunc, then ...asm.Instruction) builtinEmitter {
	return func(g *gen, _ *lang.Builtin, dst asm.Register) {
		g.call(fn)
		g.b.emit(then...)
		if dst != asm.R0 {
			g.b.emit(asm.Mov.Reg(dst, asm.R0))
		}
	}
}

// funcValue is the func builtin. As bpftrace: the instruction pointer of
// the probed context, printed as the symbol it falls in (kprobe.go for
// the kernel's probe types).
func (g *gen) funcValue(_ *lang.Builtin, dst asm.Register) {
	if g.kernelFunc(dst) {
		return
	}
	g.regsField(asm.R0, g.regs().IP)
	if g.grp.provider == lang.Uprobe || g.grp.provider == lang.Uretprobe {
		h := g.hold()
		g.store(h, asm.R0)
		g.usymOf(h, dst)
		return
	}
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
}

// probeValue is the `probe` builtin: an index into Program.ProbeNames, a
// constant when the program serves one target, else the BPF cookie the
// target was attached with (bpf_get_attach_cookie, 5.15+).
func (g *gen) probeValue(dst asm.Register) {
	if g.sysProbe(dst) {
		return
	}
	if len(g.grp.targets) == 1 {
		g.b.emit(movImm(dst, int64(g.c.probeID(g.grp.targets[0].Name))))
		return
	}
	g.b.emit(asm.Mov.Reg(asm.R1, asm.R6), asm.FnGetAttachCookie.Call())
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
}

// stack records the current kernel or user stack in the stack map of its
// depth (bpf_get_stackid) and returns id | pid<<32 (user stacks need the
// pid to resolve symbols).
func (g *gen) stack(t *lang.Type, dst asm.Register) {
	depth := t.StackDepth
	if depth <= 0 {
		depth = 127
	}
	name := fmt.Sprintf("stack_%d", depth)
	if g.c.out.Stacks[name] == nil {
		g.c.out.Stacks[name] = &StackMap{Name: name, Depth: depth}
		g.c.out.Spec.Maps[name] = stackMapSpec(name, depth, g.c.opts.MaxMapKeys)
	}
	flags := int32(0)
	if t.Kind == lang.KindUStack {
		flags = 1 << 8 // BPF_F_USER_STACK
	}
	g.b.emit(
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.LoadMapPtr(asm.R2, 0).WithReference(name),
		asm.Mov.Imm(asm.R3, flags),
		asm.FnGetStackid.Call(),
	)
	g.checkHelper(asm.FnGetStackid)
	g.b.emit(asm.Mov.Reg32(asm.R0, asm.R0))
	if t.Kind == lang.KindUStack {
		h := g.hold()
		g.store(h, asm.R0)
		g.call(asm.FnGetCurrentPidTgid)
		g.b.emit(asm.RSh.Imm(asm.R0, 32), asm.LSh.Imm(asm.R0, 32))
		g.load(asm.R1, h)
		g.release(h)
		g.b.emit(asm.Or.Reg(asm.R0, asm.R1))
	}
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
}
