package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/maps"
)

// gen holds the state of generating one program.
type gen struct {
	c    *compiler
	b    *builder
	pi   *sema.ProbeInfo
	grp  *group
	f    frame
	pool []asm.Register // free callee-saved registers
	vars map[string]loc
	// loops holds the labels of the enclosing loops, innermost last.
	loops []loopLabels
	exit  string
	// calleePeak is the largest stack the callbacks this program calls
	// add to its own frame.
	calleePeak int
	// progIndex is this program's entry in ScratchMap.
	progIndex int
	// scratchSlot, in a callback, is the stack slot holding the address
	// of the ScratchMap entry; scratchTop is where the free part of that
	// entry starts.
	scratchSlot int16
	scratchTop  int
	// big moves temporaries of bigMin bytes or more to the program's
	// BigMap entry, whose address R9 holds; bf allocates in it.
	big bool
	bf  frame
	// readAs, when set, names the next probe read in helper errors
	// (helper_errors.go).
	readAs string
}

type loopLabels struct{ brk, cont string }

// typeOf returns the checked type of e.
func (g *gen) typeOf(e lang.Expr) *lang.Type {
	t := g.c.info.Types[e]
	if t == nil {
		panic("BUG: codegen: expression without a type")
	}
	return t
}

// constOf returns e's folded constant.
func (g *gen) constOf(e lang.Expr) (int64, bool) {
	v, ok := g.c.info.Consts[e]
	return v, ok
}

// setSource makes the next instruction carry the text of node n (or text
// when given) as its source comment, and n's span.
func (g *gen) setSource(n lang.Node, text string) {
	if text == "" {
		text = g.c.text(n.SpanOf())
	}
	g.b.src = text
	g.b.span = n.SpanOf()
}

// prologue saves the context and, except in END, returns at once when
// the script is stopping or (except in BEGIN) has not begun: the phase
// word is read by direct map-value access (5.2+), no helper.
func (g *gen) prologue() {
	if g.grp.provider == lang.End {
		// END runs after the stop, by design.
		g.b.src = "prologue: ctx"
		g.b.emit(asm.Mov.Reg(asm.R6, asm.R1))
		g.bigBase()
		g.allocVars()
		return
	}
	g.b.src = "prologue: ctx, stopped flag"
	g.b.emit(asm.Mov.Reg(asm.R6, asm.R1))
	g.syscallFilter() // raw_syscalls: other syscalls leave first
	// Other probes act only in PhaseRunning; BEGIN runs before it.
	notRunning := asm.JNE.Imm(asm.R0, PhaseRunning, g.exit)
	if g.grp.provider == lang.Begin {
		notRunning = asm.JEq.Imm(asm.R0, PhaseStopped, g.exit)
	}
	g.b.emit(
		asm.LoadMapValue(asm.R0, 0, StateStopped).WithReference(StateMap),
		asm.LoadMem(asm.R0, asm.R0, 0, asm.DWord),
		notRunning,
	)
	g.bigBase()
	g.allocVars()
}

// bigBase loads the address of the program's BigMap entry into R9 in big
// mode.
func (g *gen) bigBase() {
	if !g.big {
		return
	}
	g.progEntry(BigMap, g.exit)
	g.b.emit(asm.Mov.Reg(asm.R9, asm.R0))
}

// progEntry puts in R0 the address of this program's entry of a per-CPU
// array indexed by program (BigMap, ScratchMap), or jumps to fail when
// the lookup fails (it cannot for an in-range index, but the verifier
// wants the test).
func (g *gen) progEntry(mapName, fail string) {
	key := g.f.alloc(8)
	g.b.emit(
		asm.StoreImm(asm.RFP, key, int64(g.progIndex), asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference(mapName),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, int32(key)),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, fail),
	)
}

// allocVars gives every scratch variable its stack slot for the whole
// program. A variable whose first use is not a plain assignment at the top
// of the body may be read before it is written, so its slot is zeroed (the
// verifier rejects reads of uninitialised stack).
func (g *gen) allocVars() {
	names := make([]string, 0, len(g.pi.Vars))
	for n := range g.pi.Vars {
		names = append(names, n)
	}
	sortStrings(names)
	assignedFirst := g.assignedFirst()
	for _, n := range names {
		t := g.pi.Vars[n]
		size := maps.Round8(max(maps.SizeOf(t), 8))
		l := g.tmp(size)
		g.vars[n] = l
		if !assignedFirst[n] {
			g.zero(l.reg, l.off, size)
		}
	}
}

// assignedFirst finds the variables whose first mention in the clause is a
// whole-value assignment among the top-level statements of the body.
func (g *gen) assignedFirst() map[string]bool {
	out := map[string]bool{}
	seen := map[string]bool{}
	pr := g.pi.Probe
	if pr.Pred != nil {
		markVars(pr.Pred, seen)
	}
	if pr.Body == nil {
		return out
	}
	for _, s := range pr.Body.Stmts {
		var target *lang.Var
		var value lang.Expr
		switch s := s.(type) {
		case *lang.AssignStmt:
			if v, ok := s.Target.(*lang.Var); ok && s.Op == lang.OpAssign {
				target, value = v, s.Value
			}
		case *lang.LetStmt:
			if s.Value != nil {
				target, value = s.Var, s.Value
			}
		}
		if target != nil {
			markVars(value, seen)
			if !seen[target.Name] {
				out[target.Name] = true
			}
			seen[target.Name] = true
			continue
		}
		markVars(s, seen)
	}
	return out
}

func markVars(n lang.Node, seen map[string]bool) {
	lang.Inspect(n, func(n lang.Node) bool {
		if v, ok := n.(*lang.Var); ok {
			seen[v.Name] = true
		}
		return true
	})
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// addr puts base+off into register r.
func (g *gen) addr(r, base asm.Register, off int16) {
	if r != base {
		g.b.emit(asm.Mov.Reg(r, base))
	}
	if off != 0 {
		g.b.emit(asm.Add.Imm(r, int32(off)))
	}
}

// zero clears n bytes at base+off with immediate stores.
func (g *gen) zero(base asm.Register, off int16, n int) {
	for n > 0 {
		w := width(int(off), n)
		if w == 8 {
			g.b.emit(storeImm64(base, off, 0))
		} else {
			g.b.emit(asm.StoreImm(base, off, 0, sizeOp(w)))
		}
		off, n = off+int16(w), n-w
	}
}

// width is the widest access (8, 4, 2, 1 bytes) at offset off, relative
// to an 8-byte-aligned base, that fits in n bytes and is naturally
// aligned: the verifier rejects misaligned stack accesses.
func width(off, n int) int {
	for _, w := range []int{8, 4, 2} {
		if n >= w && off%w == 0 {
			return w
		}
	}
	return 1
}

// store64 stores the 64-bit register r at base+off in naturally aligned
// pieces (a value in a tuple may sit at an offset that is not a multiple
// of 8). It clobbers r when it has to split it.
func (g *gen) store64(base asm.Register, off int16, r asm.Register) {
	for i := 0; i < 8; {
		w := width(int(off)+i, 8-i)
		g.b.emit(asm.StoreMem(base, off+int16(i), r, sizeOp(w)))
		if i += w; i < 8 {
			g.b.emit(asm.RSh.Imm(r, int32(8*w)))
		}
	}
}

// copyMem copies n bytes from src+soff to dst+doff through R1 (src and dst
// must not be R1; both offsets are constant, so the verifier sees every
// access in bounds).
func (g *gen) copyMem(dst asm.Register, doff int16, src asm.Register, soff int16, n int) {
	for n > 0 {
		w := min(width(int(soff), n), width(int(doff), n))
		g.b.emit(
			asm.LoadMem(asm.R1, src, soff, sizeOp(w)),
			asm.StoreMem(dst, doff, asm.R1, sizeOp(w)),
		)
		soff, doff, n = soff+int16(w), doff+int16(w), n-w
	}
}

// call emits a helper call.
func (g *gen) call(fn asm.BuiltinFunc) { g.b.emit(fn.Call()) }

// countLost increments LostMap[idx] (a per-CPU counter): a ring-buffer
// reserve failure or a refused map update. Cold path; clobbers R0–R5.
func (g *gen) countLost(idx int32) {
	g.b.emit(asm.Mov.Imm(asm.R1, idx))
	g.countLostAt(asm.R1)
}

// countLostAt increments LostMap[idx], idx in the register. Clobbers R0–R5.
func (g *gen) countLostAt(idx asm.Register) {
	slot := g.f.alloc(8)
	skip := g.b.label("lost_done")
	g.b.emit(
		asm.StoreMem(asm.RFP, slot, idx, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference(LostMap),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, int32(slot)),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, skip),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
	)
	g.b.mark(skip)
}
