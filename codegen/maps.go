package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

// BPF_MAP_UPDATE flags.
const (
	bpfAny     = 0
	bpfNoExist = 1
)

// mapDef returns the definition of the map m refers to.
func (g *gen) mapDef(m *lang.Map) *maps.Def {
	d := g.c.out.Maps[m.Name]
	if d == nil {
		// The checker found no value type (`@[0] = @` only ever reads
		// itself): nothing to store.
		fail(m, "@%s: the map has no value type to compile", m.Name)
	}
	return d
}

// mapKey builds the key of m in a fresh stack slot and returns its offset.
// Keys are written with padding zeroed: equal keys must be equal bytes.
func (g *gen) mapKey(m *lang.Map) loc {
	return g.keyOf(g.mapDef(m), m.Keys, nil)
}

// keyOf builds a key from key expressions (@m[a, b]) or from one
// expression standing for the whole key (has_key(@m, (a, b))).
func (g *gen) keyOf(d *maps.Def, keys []lang.Expr, whole lang.Expr) loc {
	k := g.tmp(int(d.KeySize))
	base, slot := k.reg, k.off
	switch {
	case d.Key == nil:
		g.b.emit(storeImm64(base, slot, 0))
	case whole != nil && d.Arity > 1:
		if t, ok := whole.(*lang.Tuple); ok {
			return g.keyOf(d, t.Elems, nil)
		}
		g.memExpr(whole, d.Key, base, slot, true)
	case whole != nil:
		g.memExpr(whole, d.Key, base, slot, true)
	case len(keys) == 1:
		g.memExpr(keys[0], d.Key, base, slot, true)
	default:
		offs := maps.Layout(d.Key)
		end := 0
		for i, et := range d.Key.Elems {
			if offs[i] > end {
				g.zero(base, slot+int16(end), offs[i]-end)
			}
			end = offs[i] + maps.SizeOf(et)
		}
		if total := maps.SizeOf(d.Key); total > end {
			// The tuple's tail padding: equal keys must be equal bytes.
			g.zero(base, slot+int16(end), total-end)
		}
		for i, k := range keys {
			g.memExpr(k, d.Key.Elems[i], base, slot+int16(offs[i]), true)
		}
	}
	if n := maps.SizeOf(keyType(d)); n < int(d.KeySize) {
		g.zero(base, slot+int16(n), int(d.KeySize)-n)
	}
	return k
}

func keyType(d *maps.Def) *lang.Type {
	if d.Key == nil {
		return lang.Uint64
	}
	return d.Key
}

// lookup emits R0 = bpf_map_lookup_elem(map, key).
func (g *gen) lookup(d *maps.Def, key loc) {
	g.b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(d.SpecName()))
	g.addr(asm.R2, key.reg, key.off)
	g.b.emit(asm.FnMapLookupElem.Call())
}

// update emits bpf_map_update_elem(map, R10+key, R10+val or R3, flags) and
// counts a refused update in LostMap by its cause.
func (g *gen) update(d *maps.Def, key loc, val loc, valInR3 bool, flags int32) {
	g.b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(d.SpecName()))
	g.addr(asm.R2, key.reg, key.off)
	if !valInR3 {
		g.addr(asm.R3, val.reg, val.off)
	}
	ok := g.b.label("update_ok")
	g.b.emit(asm.Mov.Imm(asm.R4, flags))
	g.callMapOp(asm.FnMapUpdateElem)
	g.b.emit(asm.JSGE.Imm(asm.R0, 0, ok))
	if flags == bpfNoExist {
		// Another program inserted the key first: not a loss.
		g.b.emit(asm.JEq.Imm(asm.R0, -17 /* EEXIST */, ok))
	}
	g.reportHelperError(asm.FnMapUpdateElem)
	g.countRefusedUpdate(d)
	g.b.mark(ok)
}

// callMapOp calls a map helper that returns 0 or a negative errno
// (update, delete) and sign-extends its low 32 bits into R0. Kernels
// before 6.4 (Linux d7ba4cc900bf, "bpf: return long from bpf_map_ops
// funcs") turn these calls into direct calls of the map's C function,
// which returns an int: -E2BIG arrives as 0x00000000fffffff9, a positive
// long, and a 64-bit test took every refused update for a success (a full
// map on 6.1 lost keys without a warning). The low 32 bits are right on
// every kernel.
func (g *gen) callMapOp(fn asm.BuiltinFunc) {
	g.b.emit(
		fn.Call(),
		asm.LSh.Imm(asm.R0, 32),
		asm.ArSh.Imm(asm.R0, 32),
	)
}

// countRefusedUpdate counts a failed update of d under its cause, read
// from the error in R0, so that the warning at exit blames the right limit.
// Clobbers R0–R5.
func (g *gen) countRefusedUpdate(d *maps.Def) {
	counted := g.b.label("cause_found")
	g.b.emit(
		asm.Mov.Imm(asm.R1, int32(d.LostBase+LostFull)),
		asm.JEq.Imm(asm.R0, -7 /* E2BIG */, counted),
		asm.Mov.Imm(asm.R1, int32(d.LostBase+LostNoMem)),
		asm.JEq.Imm(asm.R0, -12 /* ENOMEM */, counted),
		asm.Mov.Imm(asm.R1, int32(d.LostBase+LostOther)),
	)
	g.b.mark(counted)
	g.countLostAt(asm.R1)
}

// mapRead reads an integer map value (absent keys read as zero). A per-CPU
// aggregation is summed (or min/max-merged) over every CPU with
// bpf_map_lookup_percpu_elem (5.19+).
func (g *gen) mapRead(m *lang.Map, dst asm.Register) {
	d := g.mapDef(m)
	key := g.mapKey(m)
	if d.PerCPU() {
		g.percpuRead(d, key, dst)
		return
	}
	absent, end := g.b.label("absent"), g.b.label("read_end")
	g.lookup(d, key)
	vt := d.Value
	g.b.emit(
		asm.JEq.Imm(asm.R0, 0, absent),
		asm.LoadMem(dst, asm.R0, 0, sizeOp(maps.SizeOf(vt))),
	)
	g.extend(dst, vt)
	g.b.emit(asm.Ja.Label(end))
	g.b.mark(absent)
	g.reportHelperError(asm.FnMapLookupElem)
	g.b.emit(asm.Mov.Imm(dst, 0))
	g.b.mark(end)
}

// percpuRead merges an aggregation's per-CPU values in the kernel.
func (g *gen) percpuRead(d *maps.Def, key loc, dst asm.Register) {
	acc := g.f.alloc(16) // value / count, total or "set" flag
	cpu := g.f.alloc(8)
	g.b.emit(
		storeImm64(asm.RFP, acc, 0), storeImm64(asm.RFP, acc+8, 0),
		storeImm64(asm.RFP, cpu, 0),
	)
	top, next, done := g.b.label("pcpu"), g.b.label("pcpu_next"), g.b.label("pcpu_done")
	g.b.mark(top)
	g.b.emit(
		asm.LoadMem(asm.R4, asm.RFP, cpu, asm.DWord),
		asm.JGE.Imm(asm.R4, int32(g.c.opts.NumCPU), done),
		asm.LoadMapPtr(asm.R1, 0).WithReference(d.SpecName()),
		asm.Mov.Reg(asm.R2, key.reg),
		asm.Add.Imm(asm.R2, int32(key.off)),
		asm.Mov.Reg(asm.R3, asm.R4),
		asm.FnMapLookupPercpuElem.Call(),
		asm.JEq.Imm(asm.R0, 0, next),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Mov.Imm(asm.R2, 0),
	)
	if d.ValueSize >= 16 {
		// avg/stats total; min/max "set" flag
		g.b.emit(asm.LoadMem(asm.R2, asm.R0, 8, asm.DWord))
	}
	g.b.emit(
		asm.LoadMem(asm.R3, asm.RFP, acc, asm.DWord),
		asm.LoadMem(asm.R4, asm.RFP, acc+8, asm.DWord),
	)
	switch d.Value.Kind {
	case lang.KindCount, lang.KindSum:
		g.b.emit(asm.Add.Reg(asm.R3, asm.R1))
	case lang.KindAvg, lang.KindStats:
		g.b.emit(asm.Add.Reg(asm.R3, asm.R1), asm.Add.Reg(asm.R4, asm.R2))
	case lang.KindMin, lang.KindMax:
		keep := g.b.label("keep")
		g.b.emit(asm.JEq.Imm(asm.R2, 0, next)) // this CPU never set it
		take := g.b.label("take")
		g.b.emit(asm.JEq.Imm(asm.R4, 0, take))
		if d.Value.Kind == lang.KindMin {
			g.b.emit(asm.JSGE.Reg(asm.R1, asm.R3, keep))
		} else {
			g.b.emit(asm.JSLE.Reg(asm.R1, asm.R3, keep))
		}
		g.b.mark(take)
		g.b.emit(asm.Mov.Reg(asm.R3, asm.R1), asm.Mov.Imm(asm.R4, 1))
		g.b.mark(keep)
	default:
		fail(nil, "reading a %s value in an expression: %v", d.Value, ErrUnsupported)
	}
	g.b.emit(
		asm.StoreMem(asm.RFP, acc, asm.R3, asm.DWord),
		asm.StoreMem(asm.RFP, acc+8, asm.R4, asm.DWord),
	)
	g.b.mark(next)
	g.b.emit(
		asm.LoadMem(asm.R4, asm.RFP, cpu, asm.DWord),
		asm.Add.Imm(asm.R4, 1),
		asm.StoreMem(asm.RFP, cpu, asm.R4, asm.DWord),
		asm.Ja.Label(top),
	)
	g.b.mark(done)
	g.b.emit(asm.LoadMem(dst, asm.RFP, acc, asm.DWord))
	if d.Value.Kind == lang.KindAvg || d.Value.Kind == lang.KindStats {
		// average = total / count, truncated toward zero (0 when empty:
		// BPF division by 0 gives 0). The count is positive, so the
		// magnitude of the total is divided and its sign put back: the
		// signed division instruction is BPF ISA v4, 6.6+ kernels only.
		neg, end := g.b.label("avg_neg"), g.b.label("avg_end")
		g.b.emit(
			asm.LoadMem(asm.R1, asm.RFP, acc+8, asm.DWord),
			asm.JSLT.Imm(asm.R1, 0, neg),
			asm.Div.Reg(asm.R1, dst),
			asm.Ja.Label(end),
		)
		g.b.mark(neg)
		g.b.emit(asm.Neg.Imm(asm.R1, 0), asm.Div.Reg(asm.R1, dst), asm.Neg.Imm(asm.R1, 0))
		g.b.mark(end)
		g.b.emit(asm.Mov.Reg(dst, asm.R1))
	}
}

// mapReadMem copies a memory map value (string, tuple) to base+off, or
// zeroes it when the key is absent.
func (g *gen) mapReadMem(m *lang.Map, dt *lang.Type, base asm.Register, off int16, pad bool) {
	d := g.mapDef(m)
	key := g.mapKey(m)
	g.lookup(d, key)
	absent, end := g.b.label("absent"), g.b.label("read_end")
	g.b.emit(asm.JEq.Imm(asm.R0, 0, absent), asm.Mov.Reg(asm.R2, asm.R0))
	src := asm.R2
	if base == asm.R2 || base == asm.R1 {
		panic("BUG: codegen: memory destination in a scratch register")
	}
	g.copyConvert(dt, base, off, d.Value, src, 0, pad)
	g.b.emit(asm.Ja.Label(end))
	g.b.mark(absent)
	g.reportHelperError(asm.FnMapLookupElem)
	g.zero(base, off, maps.SizeOf(dt))
	g.b.mark(end)
}

// mapAssign compiles `@m[k] = value`: aggregations update in place, plain
// values are written to a stack slot and stored with BPF_ANY.
func (g *gen) mapAssign(m *lang.Map, value lang.Expr) {
	if call, ok := value.(*lang.Call); ok {
		if g.aggregate(m, call) {
			return
		}
	}
	d := g.mapDef(m)
	val := g.tmp(int(d.ValueSize))
	g.memExpr(value, d.Value, val.reg, val.off, true)
	if n := maps.SizeOf(d.Value); n < int(d.ValueSize) {
		g.zero(val.reg, val.off+int16(n), int(d.ValueSize)-n)
	}
	key := g.mapKey(m)
	g.update(d, key, val, false, bpfAny)
}

// mapCompound compiles `@m[k] op= value` and is the core of ++/--: the
// new value is left in dst (and the old one in old, when asked).
func (g *gen) mapCompound(m *lang.Map, op lang.Op, value lang.Expr) {
	h := g.hold()
	if step := ptrStep(g.mapDef(m).Value); step != 1 && (op == lang.OpAdd || op == lang.OpSub) {
		g.intExpr(value, asm.R0)
		g.scale(asm.R0, step)
		g.store(h, asm.R0)
	} else {
		g.intInto(value, h)
	}
	if g.zeroedBy(op, value) {
		// @m <<= 64 and @m %= 0 are 0, as @m &= 0.
		op = lang.OpAnd
		g.b.emit(asm.Mov.Imm(asm.R0, 0))
		g.store(h, asm.R0)
	}
	// A lookup that finds nothing is a read of @m (bpftrace reads
	// `@m op= v` as `@m = @m op v`).
	g.mapModify(m, op, h, asm.R0, false, m.SpanOf())
	g.release(h)
}

// mapModify applies `op operand` to an integer map value in place (insert
// when absent) and leaves the new (or, with post, the old) value in dst.
// With -kk, an absent value is reported at missAt.
func (g *gen) mapModify(m *lang.Map, op lang.Op, operand held, dst asm.Register, post bool, missAt lang.Span) {
	d := g.mapDef(m)
	key := g.mapKey(m)
	g.lookup(d, key)
	absent, end := g.b.label("absent"), g.b.label("modify_end")
	signed := d.Value.Signed
	g.b.emit(
		asm.JEq.Imm(asm.R0, 0, absent),
		asm.LoadMem(asm.R3, asm.R0, 0, asm.DWord),
		asm.Mov.Reg(asm.R4, asm.R3),
	)
	g.load(asm.R2, operand)
	g.b.emit(aluFor(op, signed).Reg(asm.R3, asm.R2), asm.StoreMem(asm.R0, 0, asm.R3, asm.DWord))
	res := g.f.alloc(8)
	if post {
		g.b.emit(asm.StoreMem(asm.RFP, res, asm.R4, asm.DWord))
	} else {
		g.b.emit(asm.StoreMem(asm.RFP, res, asm.R3, asm.DWord))
	}
	g.b.emit(asm.Ja.Label(end))
	g.b.mark(absent)
	g.reportHelperErrorAt(asm.FnMapLookupElem, missAt)
	val := g.f.alloc(int(d.ValueSize))
	g.b.emit(asm.Mov.Imm(asm.R3, 0))
	g.load(asm.R2, operand)
	g.b.emit(aluFor(op, signed).Reg(asm.R3, asm.R2), asm.StoreMem(asm.RFP, val, asm.R3, asm.DWord))
	if post {
		g.b.emit(storeImm64(asm.RFP, res, 0))
	} else {
		g.b.emit(asm.StoreMem(asm.RFP, res, asm.R3, asm.DWord))
	}
	g.update(d, key, stackLoc(val), false, bpfAny)
	g.b.mark(end)
	g.b.emit(asm.LoadMem(dst, asm.RFP, res, asm.DWord))
}

// incDec compiles ++/-- on a variable or an integer map value.
func (g *gen) incDec(e *lang.IncDec, dst asm.Register) {
	op := lang.OpAdd
	if e.Op == lang.OpDec {
		op = lang.OpSub
	}
	switch x := e.X.(type) {
	case *lang.Var:
		v := g.vars[x.Name]
		g.b.emit(asm.LoadMem(dst, v.reg, v.off, asm.DWord))
		s := other(dst)
		g.b.emit(asm.Mov.Reg(s, dst), aluFor(op, false).Imm(s, int32(ptrStep(g.pi.Vars[x.Name]))))
		g.convert(s, lang.Int64, g.pi.Vars[x.Name])
		g.b.emit(asm.StoreMem(v.reg, v.off, s, asm.DWord))
		if !e.Post {
			g.b.emit(asm.Mov.Reg(dst, s))
		}
	case *lang.Map:
		one := g.f.alloc(8)
		g.b.emit(storeImm64(asm.RFP, one, int32(ptrStep(g.mapDef(x).Value))))
		g.mapModify(x, op, held{slot: one}, asm.R0, e.Post, g.b.span)
		if dst != asm.R0 {
			g.b.emit(asm.Mov.Reg(dst, asm.R0))
		}
	default:
		fail(e, "%s on this expression: %v", e.Op, ErrUnsupported)
	}
}

// deleteKey compiles delete(@m[k]) and delete(@m, k).
func (g *gen) deleteKey(call *lang.Call) {
	m := call.Args[0].(*lang.Map)
	d := g.mapDef(m)
	var key loc
	if len(call.Args) == 2 {
		key = g.keyOf(d, nil, call.Args[1])
	} else {
		key = g.mapKey(m)
	}
	g.b.emit(
		asm.LoadMapPtr(asm.R1, 0).WithReference(d.SpecName()),
	)
	g.addr(asm.R2, key.reg, key.off)
	g.callMapOp(asm.FnMapDeleteElem)
	g.checkHelper(asm.FnMapDeleteElem)
}

// hasKey compiles has_key(@m, k): 1 when the lookup finds the key.
func (g *gen) hasKey(call *lang.Call, dst asm.Register) {
	m := call.Args[0].(*lang.Map)
	d := g.mapDef(m)
	key := g.keyOf(d, nil, call.Args[1])
	g.lookup(d, key)
	yes, end := g.b.label("has"), g.b.label("has_end")
	g.b.emit(asm.JNE.Imm(asm.R0, 0, yes), asm.Mov.Imm(dst, 0), asm.Ja.Label(end))
	g.b.mark(yes)
	g.b.emit(asm.Mov.Imm(dst, 1))
	g.b.mark(end)
}
