package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

// Map iteration uses bpf_for_each_map_elem (5.13+): the helper calls a
// BPF subprogram (a callback placed after the main program, referenced by
// a BPF_PSEUDO_FUNC load) with R1 = map, R2 = key, R3 = value, R4 = the
// context pointer we pass; the callback returns 0 to go on, 1 to stop,
// and the helper returns the number of elements it visited.
//
// The callback has its own stack frame. The context pointer is the
// caller's frame pointer, so the callback reaches the caller's slots at
// the caller's offsets: it copies in the scratch variables the loop body
// uses (and the program context, R6) on entry, works on its own copies,
// and copies them back before it returns. A `return` in the body sets a
// flag in the caller's frame that the caller tests after the helper.

// funcPtr loads the address of BPF subprogram sym (BPF_PSEUDO_FUNC).
func funcPtr(r asm.Register, sym string) asm.Instruction {
	return asm.Instruction{
		OpCode:   asm.LoadImmOp(asm.DWord),
		Dst:      r,
		Src:      asm.PseudoFunc,
		Constant: -1,
	}.WithReference(sym)
}

// callbackFrame is the stack a callback adds to its caller's: the
// verifier sums the frames of a call chain (rounded to 32 bytes) against
// the 512-byte limit.
func callbackFrame(f frame, callee int) int {
	return (f.peak+31)/32*32 + callee
}

// forMap compiles `for ($kv : @map) body`.
//
// The scratch variables the body uses travel through this program's
// entry of the per-CPU ScratchMap, not the stack: the verifier tracks
// stack values exactly, so a counter carried from one callback
// invocation to the next would never let its states converge, while map
// values read back as unknown scalars. Pointers (the context, the
// scratch entry) stay in the caller's frame, which the callback reads
// through R4.
func (g *gen) forMap(s *lang.ForStmt) {
	d := g.mapDef(s.Map)
	kvt := g.pi.Vars[s.Var.Name]
	if kvt == nil || kvt.Kind != lang.KindTuple || len(kvt.Elems) != 2 || d.Key == nil {
		fail(s, "for over @%s: the map has no keys", s.Map.Name)
	}
	valT := kvt.Elems[1]
	switch d.Value.Kind {
	case lang.KindHist, lang.KindLhist, lang.KindStats:
		fail(s.Map, "for over a %s map: %v", d.Value, ErrUnsupported)
	}
	used := bodyVars(s.Body, s.Var.Name)

	// The area of this loop in the scratch entry: the return flag, then
	// the variables.
	base := g.scratchTop
	voff := map[string]int{}
	sizes := map[string]int{}
	top := base + 8
	for _, v := range used {
		size := maps.Round8(max(maps.SizeOf(g.pi.Vars[v]), 8))
		sizes[v], voff[v] = size, top
		top += size
	}
	g.c.needScratch(top)

	ctxSlot, scrSlot, bigSlot := g.f.alloc(8), g.f.alloc(8), g.f.alloc(8)
	skip := g.b.label("for_each_end")
	g.scratchPtr(asm.R2, skip)
	g.b.emit(
		asm.StoreMem(asm.RFP, scrSlot, asm.R2, asm.DWord),
		asm.StoreMem(asm.RFP, ctxSlot, asm.R6, asm.DWord),
		storeImm64(asm.R2, int16(base), 0),
	)
	if g.big {
		g.b.emit(asm.StoreMem(asm.RFP, bigSlot, asm.R9, asm.DWord))
	}
	for _, v := range used {
		g.copyMem(asm.R2, int16(voff[v]), g.vars[v].reg, g.vars[v].off, sizes[v])
	}
	cb := g.b.label("for_each_cb")

	// The callback.
	cg := g.sub()
	cg.scratchTop = top
	cg.bf.used = g.bf.used
	saved := g.b.beginFunc(cb)
	g.b.src = "for_each callback: " + g.c.text(lang.Join(s.Var.Span, s.Map.Span))
	cg.scratchSlot = cg.f.alloc(8)
	g.b.emit(
		asm.LoadMem(asm.R6, asm.R4, ctxSlot, asm.DWord),
		asm.LoadMem(asm.R5, asm.R4, scrSlot, asm.DWord),
		asm.StoreMem(asm.RFP, cg.scratchSlot, asm.R5, asm.DWord),
	)
	if g.big {
		g.b.emit(asm.LoadMem(asm.R9, asm.R4, bigSlot, asm.DWord))
	}
	for _, v := range used {
		l := cg.tmp(sizes[v])
		cg.vars[v] = l
		cg.copyMem(l.reg, l.off, asm.R5, int16(voff[v]), sizes[v])
	}
	kv := cg.tmp(maps.SizeOf(kvt))
	cg.vars[s.Var.Name] = kv
	kvBase, kvSlot := kv.reg, kv.off
	offs := maps.Layout(kvt)
	keySize := maps.SizeOf(kvt.Elems[0])
	if d.PerCPU() {
		// The value of each CPU, merged as a read of @m[key] would.
		key := cg.tmp(int(d.KeySize))
		cg.copyMem(key.reg, key.off, asm.R2, 0, int(d.KeySize))
		cg.copyMem(kvBase, kvSlot+int16(offs[0]), key.reg, key.off, keySize)
		cg.percpuRead(d, key, asm.R0)
		g.b.emit(asm.StoreMem(kvBase, kvSlot+int16(offs[1]), asm.R0, sizeOp(maps.SizeOf(valT))))
	} else {
		cg.copyMem(kvBase, kvSlot+int16(offs[0]), asm.R2, 0, keySize)
		if isMem(valT) {
			cg.copyConvert(valT, kvBase, kvSlot+int16(offs[1]), d.Value, asm.R3, 0, true)
		} else {
			vt := d.Value
			if !vt.IsInt() {
				vt = lang.Uint64
			}
			g.b.emit(asm.LoadMem(asm.R0, asm.R3, 0, sizeOp(maps.SizeOf(vt))))
			cg.extend(asm.R0, vt)
			g.b.emit(asm.StoreMem(kvBase, kvSlot+int16(offs[1]), asm.R0, sizeOp(maps.SizeOf(valT))))
		}
	}
	brk, cont, out := g.b.label("for_each_break"), g.b.label("for_each_next"), g.b.label("for_each_out")
	cg.exit = g.b.label("for_each_return")
	cg.loops = []loopLabels{{brk: brk, cont: cont}}
	cg.block(s.Body)
	g.b.span = s.Span
	g.b.mark(cont)
	g.b.emit(asm.Mov.Imm(asm.R0, 0), asm.Ja.Label(out))
	g.b.mark(brk)
	g.b.emit(asm.Mov.Imm(asm.R0, 1), asm.Ja.Label(out))
	g.b.mark(cg.exit)
	g.b.emit(
		asm.LoadMem(asm.R2, asm.RFP, cg.scratchSlot, asm.DWord),
		storeImm64(asm.R2, int16(base), 1),
		asm.Mov.Imm(asm.R0, 1),
	)
	g.b.mark(out)
	g.b.emit(asm.LoadMem(asm.R2, asm.RFP, cg.scratchSlot, asm.DWord))
	for _, v := range used {
		cg.copyMem(asm.R2, int16(voff[v]), cg.vars[v].reg, cg.vars[v].off, sizes[v])
	}
	g.b.emit(asm.Return())
	g.b.endFunc(saved)
	g.calleePeak = max(g.calleePeak, callbackFrame(cg.f, cg.calleePeak))
	g.bf.peak = max(g.bf.peak, cg.bf.peak)

	// The call, then the variables back.
	g.b.emit(
		asm.LoadMapPtr(asm.R1, 0).WithReference(d.SpecName()),
		funcPtr(asm.R2, cb),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnForEachMapElem.Call(),
		asm.LoadMem(asm.R2, asm.RFP, scrSlot, asm.DWord),
	)
	for _, v := range used {
		g.copyMem(g.vars[v].reg, g.vars[v].off, asm.R2, int16(voff[v]), sizes[v])
	}
	g.b.emit(
		asm.LoadMem(asm.R0, asm.R2, int16(base), asm.DWord),
		asm.JNE.Imm(asm.R0, 0, g.exit),
	)
	g.b.mark(skip)
}

// scratchPtr puts the address of this program's ScratchMap entry in r
// (not R1), or jumps to fail when the lookup fails (progEntry). In a
// callback it is the pointer the caller passed.
func (g *gen) scratchPtr(r asm.Register, fail string) {
	if g.scratchSlot != 0 {
		g.b.emit(asm.LoadMem(r, asm.RFP, g.scratchSlot, asm.DWord))
		return
	}
	g.progEntry(ScratchMap, fail)
	if r != asm.R0 {
		g.b.emit(asm.Mov.Reg(r, asm.R0))
	}
}

// sub returns a generator for a callback subprogram of g's program.
func (g *gen) sub() *gen {
	s := &gen{
		c: g.c, b: g.b, pi: g.pi, grp: g.grp,
		pool:      []asm.Register{asm.R9, asm.R8, asm.R7},
		vars:      map[string]loc{},
		progIndex: g.progIndex,
		big:       g.big,
	}
	if g.big {
		s.pool = []asm.Register{asm.R8, asm.R7}
	}
	return s
}

// bodyVars lists the scratch variables a loop body mentions, except the
// loop variable, sorted.
func bodyVars(b *lang.Block, except string) []string {
	seen := map[string]bool{}
	markVars(b, seen)
	delete(seen, except)
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sortStrings(out)
	return out
}

// mapLen compiles len(@map): bpf_for_each_map_elem with a callback that
// only goes on returns the number of elements.
func (g *gen) mapLen(call *lang.Call, dst asm.Register) {
	m, ok := call.Args[0].(*lang.Map)
	if !ok {
		fail(call, "len() of a stack: %v", ErrUnsupported)
	}
	d := g.mapDef(m)
	cb := g.b.label("len_cb")
	saved := g.b.beginFunc(cb)
	g.b.src = "len callback"
	g.b.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	g.b.endFunc(saved)
	g.b.emit(
		asm.LoadMapPtr(asm.R1, 0).WithReference(d.SpecName()),
		funcPtr(asm.R2, cb),
		asm.Mov.Imm(asm.R3, 0),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnForEachMapElem.Call(),
	)
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
}
