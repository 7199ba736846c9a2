package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/maps"
)

// stackLimit is the kernel's BPF stack size per program.
const stackLimit = 512

// frame hands out stack slots below R10. Slots of a statement's
// temporaries are released when the statement ends (mark/release), so the
// peak is what counts against the 512-byte limit.
type frame struct {
	used, peak int
}

// alloc returns the R10-relative offset of a fresh 8-byte-aligned slot.
func (f *frame) alloc(n int) int16 {
	f.used += maps.Round8(max(n, 1))
	f.peak = max(f.peak, f.used)
	return int16(-f.used)
}

func (f *frame) mark() int        { return f.used }
func (f *frame) release(mark int) { f.used = mark }

// loc is a place in memory: a stack slot (RFP) or, in big mode, a place
// in the BigMap entry (R9).
type loc struct {
	reg asm.Register
	off int16
}

func stackLoc(off int16) loc { return loc{reg: asm.RFP, off: off} }

// bigMin is the size from which big mode moves a temporary off the stack.
const bigMin = 16

// tmp allocates n bytes of temporary memory, released with the
// statement: on the stack, or in big mode in the BigMap entry when large.
func (g *gen) tmp(n int) loc {
	if g.big && n >= bigMin {
		off := g.bf.used
		g.bf.used += maps.Round8(n)
		g.bf.peak = max(g.bf.peak, g.bf.used)
		return loc{reg: asm.R9, off: int16(off)}
	}
	return stackLoc(g.f.alloc(n))
}

// held is a value kept across helper calls: in a callee-saved register
// (R7–R9) when one is free, else in a stack slot.
type held struct {
	reg  asm.Register // 0 (R0) means "in slot"
	slot int16
}

// hold takes a place for a value that must survive helper calls.
func (g *gen) hold() held {
	if n := len(g.pool); n > 0 {
		r := g.pool[n-1]
		g.pool = g.pool[:n-1]
		return held{reg: r}
	}
	return held{slot: g.f.alloc(8)}
}

// release gives a held register back to the pool (slots are released with
// the statement's frame mark).
func (g *gen) release(h held) {
	if h.reg != asm.R0 {
		g.pool = append(g.pool, h.reg)
	}
}

// store puts register r into h.
func (g *gen) store(h held, r asm.Register) {
	if h.reg != asm.R0 {
		if h.reg != r {
			g.b.emit(asm.Mov.Reg(h.reg, r))
		}
		return
	}
	g.b.emit(asm.StoreMem(asm.RFP, h.slot, r, asm.DWord))
}

// load puts the value of h into register r.
func (g *gen) load(r asm.Register, h held) {
	if h.reg != asm.R0 {
		if h.reg != r {
			g.b.emit(asm.Mov.Reg(r, h.reg))
		}
		return
	}
	g.b.emit(asm.LoadMem(r, asm.RFP, h.slot, asm.DWord))
}
