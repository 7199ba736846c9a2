package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// Registers and arguments of the probe types whose context is struct
// pt_regs (kprobe, kretprobe, uprobe, uretprobe, usdt), on the
// architecture gtrace runs on (probes.Regs), and the kernel probe types'
// retval and func.

// regs is the pt_regs layout of this machine.
func (g *gen) regs() *probes.Regs { return probes.HostRegs() }

// regsField loads a pt_regs register from the context (kprobe/uprobe;
// perf event contexts start with pt_regs too).
func (g *gen) regsField(dst asm.Register, reg string) {
	off, ok := g.regs().Offset(reg)
	if !ok {
		panic("BUG: codegen: no register " + reg + " on " + g.regs().Arch)
	}
	g.b.emit(asm.LoadMem(dst, asm.R6, off, asm.DWord))
}

// userProbe reports whether the group probes a process (its stack and
// pointers are user memory).
func (g *gen) userProbe() bool {
	switch g.grp.provider {
	case lang.Uprobe, lang.Uretprobe, lang.USDT:
		return true
	}
	return false
}

// argN loads argument n: raw tracepoints have a u64 array as context;
// kprobes and uprobes take it from pt_regs, past the argument registers
// from the stack (x86-64: arg6 and on; bpftrace refuses those, gtrace
// reads them where the calling convention puts them, which holds at a
// function's entry, not at fn+offset).
func (g *gen) argN(n int, dst asm.Register) {
	switch g.grp.provider {
	case lang.RawTracepoint:
		g.b.emit(asm.LoadMem(dst, asm.R6, int16(8*n), asm.DWord))
	case lang.USDT:
		// usdt arguments follow the note's specs, not the calling convention.
		g.usdtArg(n, dst)
	case lang.Kprobe, lang.Uprobe:
		r := g.regs()
		if n < len(r.Args) {
			g.regsField(dst, r.Args[n])
			return
		}
		g.stackWord(r.StackArg0+8*(n-len(r.Args)), dst)
	default:
		fail(nil, "arg%d in %s probes: %v", n, g.grp.provider, ErrUnsupported)
	}
}

// stackArg is sargN: the Nth word above the stack pointer's first
// argument slot, as bpftrace (sp+8*(N+1) on x86-64, sp+8*N on arm64).
func (g *gen) stackArg(n int, dst asm.Register) {
	g.stackWord(g.regs().StackArg0+8*n, dst)
}

// stackWord reads the u64 at sp+off of the probed context: kernel memory
// for kprobes, the process's for uprobes. A failed read gives 0 (the
// helpers zero the slot when they fault).
func (g *gen) stackWord(off int, dst asm.Register) {
	slot := g.tmp(8)
	g.regsField(asm.R3, g.regs().SP)
	if off != 0 {
		g.b.emit(asm.Add.Imm(asm.R3, int32(off)))
	}
	g.addr(asm.R1, slot.reg, slot.off)
	g.b.emit(asm.Mov.Imm(asm.R2, 8))
	if g.userProbe() {
		g.call(asm.FnProbeReadUser)
	} else {
		g.call(asm.FnProbeReadKernel)
	}
	g.b.emit(asm.LoadMem(dst, slot.reg, slot.off, asm.DWord))
}

// retval is the probed function's return value: the return register of
// kretprobes and uretprobes, the slot after the arguments in fexit,
// typed from BTF there.
func (g *gen) retval(e *lang.Builtin, dst asm.Register) {
	if g.grp.provider != lang.Fexit {
		g.regsField(dst, g.regs().Ret)
		return
	}
	p := g.grp.proto
	if p == nil {
		fail(e, "retval of %s: no BTF signature of the function", g.grp.targets[0].Name)
	}
	g.ctxSlot(p.RetOffset(), g.typeOf(e), dst)
}

// kernelFunc emits `func` for the kernel's probe types and reports
// whether it did. kprobe reads the instruction pointer (right at fn+off
// too, where bpf_get_func_ip gives 0); kretprobe cannot (it points into
// the caller) and asks bpf_get_func_ip (kprobe programs: 5.15+); fentry
// and fexit have no registers: each program serves one function, whose
// address is a constant when kallsyms knows it, else bpf_get_func_ip
// (tracing programs: 5.15+).
func (g *gen) kernelFunc(dst asm.Register) bool {
	switch g.grp.provider {
	case lang.Kretprobe:
	case lang.Fentry, lang.Fexit:
		if len(g.grp.targets) == 1 && g.c.opts.Kaddr != nil && g.grp.targets[0].Category == "" {
			if addr, ok := g.c.opts.Kaddr(g.grp.targets[0].Func); ok {
				g.b.emit(movImm(dst, int64(addr)))
				return true
			}
		}
	default:
		return false
	}
	g.b.emit(asm.Mov.Reg(asm.R1, asm.R6), asm.FnGetFuncIp.Call())
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
	return true
}
