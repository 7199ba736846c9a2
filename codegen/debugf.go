package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

func init() { addStmt("debugf", (*gen).debugf) }

// debugf writes its text to the kernel's trace buffer (trace_pipe) with
// bpf_trace_printk, as bpftrace 0.17 does: the format goes to the kernel as
// written, so the kernel's own conversions apply; integers are passed as
// 64-bit values, strings and other memory values by address. The helper
// takes at most three values, which sema's signature holds (Max 4).
func (g *gen) debugf(call *lang.Call) {
	lit, ok := call.Args[0].(*lang.StrLit)
	if !ok {
		fail(call, "debugf() needs a literal format: %v", ErrUnsupported)
	}
	type arg struct {
		at  loc
		mem bool // passed by address
	}
	// Every value goes to memory first: computing one argument may call
	// helpers, which clobber R1-R5; they are loaded just before the call.
	var vals []arg
	for _, e := range call.Args[1:] {
		t := g.argType(e)
		if isMem(t) {
			at := g.tmp(maps.SizeOf(t))
			g.memExpr(e, t, at.reg, at.off, true)
			vals = append(vals, arg{at, true})
			continue
		}
		at := g.tmp(8)
		g.memExpr(e, t, at.reg, at.off, false)
		vals = append(vals, arg{at, false})
	}
	format := append([]byte(lit.Value), 0)
	f := g.tmp(len(format))
	g.storeBytes(f.reg, f.off, format)
	g.b.emit(
		asm.Mov.Reg(asm.R1, f.reg),
		asm.Add.Imm(asm.R1, int32(f.off)),
		asm.Mov.Imm(asm.R2, int32(len(format))),
	)
	for i, v := range vals {
		r := asm.R3 + asm.Register(i)
		if v.mem {
			g.b.emit(asm.Mov.Reg(r, v.at.reg), asm.Add.Imm(r, int32(v.at.off)))
		} else {
			g.b.emit(asm.LoadMem(r, v.at.reg, v.at.off, asm.DWord))
		}
	}
	g.b.emit(asm.FnTracePrintk.Call())
}
