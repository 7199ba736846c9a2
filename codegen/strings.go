package codegen

import (
	"encoding/binary"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

// memExpr writes the value of e, converted to type dt, at base+off. base
// must survive helper calls (R10, or a held register R7–R9). With pad, the
// bytes past the value (string tails, tuple padding) are zeroed, as map
// keys and comparisons need; event records skip it.
func (g *gen) memExpr(e lang.Expr, dt *lang.Type, base asm.Register, off int16, pad bool) {
	saved := g.b.span
	g.b.span = e.SpanOf()
	defer func() { g.b.span = saved }()
	st := g.typeOf(e)
	size := maps.SizeOf(dt)
	if !isMem(dt) {
		g.intExpr(e, asm.R0)
		g.convert(asm.R0, st, dt)
		g.b.emit(asm.StoreMem(base, off, asm.R0, sizeOp(size)))
		return
	}
	switch e := e.(type) {
	case *lang.StrLit:
		g.literal(e.Value, dt, base, off, pad)
		return
	case *lang.Positional:
		if !e.Count && e.Index >= 1 && e.Index <= len(g.c.params()) {
			g.literal(g.c.params()[e.Index-1], dt, base, off, pad)
			return
		}
		g.literal("", dt, base, off, pad)
		return
	case *lang.Var:
		v := g.vars[e.Name]
		g.copyConvert(dt, base, off, st, v.reg, v.off, pad)
		return
	case *lang.Tuple:
		g.tuple(e, dt, base, off, pad)
		return
	case *lang.Ternary:
		els, end := g.b.label("tern_else"), g.b.label("tern_end")
		g.condJump(e.Cond, false, els)
		g.memExpr(e.Then, dt, base, off, pad)
		g.b.emit(asm.Ja.Label(end))
		g.b.mark(els)
		g.memExpr(e.Else, dt, base, off, pad)
		g.b.mark(end)
		return
	case *lang.Builtin:
		if emit := builtinMemEmitters[e.Name]; emit != nil {
			emit(g, e, dt, base, off, pad)
			return
		}
		if e.Name == "args" && st.Kind == lang.KindRecord {
			g.argsValue(dt, base, off, pad) // fentry.go
			return
		}
	case *lang.Call:
		if g.callMem(e, dt, base, off, pad) {
			return
		}
	case *lang.Map:
		g.mapReadMem(e, dt, base, off, pad)
		return
	case *lang.Field:
		if g.fieldMem(e, dt, base, off, pad) {
			return
		}
	case *lang.Index, *lang.Unary:
		if g.inMemory(e) {
			g.chainMem(e, dt, base, off, pad)
			return
		}
	case *lang.TupleIndex:
		src, soff := g.memPtr(e.X)
		toff := maps.Layout(g.typeOf(e.X))[e.Index]
		g.copyConvert(dt, base, off, st, src, soff+int16(toff), pad)
		return
	}
	fail(e, "%s: cannot compile a %s value here: %v", g.c.text(e.SpanOf()), st, ErrUnsupported)
}

// memPtr returns where the value of memory expression e can be read:
// a variable's slot directly, else a padded temporary.
func (g *gen) memPtr(e lang.Expr) (asm.Register, int16) {
	if v, ok := e.(*lang.Var); ok {
		l := g.vars[v.Name]
		return l.reg, l.off
	}
	t := g.typeOf(e)
	l := g.tmp(maps.SizeOf(t))
	g.memExpr(e, t, l.reg, l.off, true)
	return l.reg, l.off
}

// copyConvert copies a value of type st at src+soff to a value of type dt
// at dst+doff: same-shape values, strings truncated or padded, tuple
// elements converted one by one.
func (g *gen) copyConvert(dt *lang.Type, dst asm.Register, doff int16, st *lang.Type, src asm.Register, soff int16, pad bool) {
	switch {
	case dt.Kind == lang.KindTuple && st.Kind == lang.KindTuple && !sameLayout(dt, st):
		doffs, soffs := maps.Layout(dt), maps.Layout(st)
		if pad {
			g.zero(dst, doff, maps.SizeOf(dt))
		}
		for i, de := range dt.Elems {
			se := st.Elems[i]
			if isMem(de) {
				g.copyConvert(de, dst, doff+int16(doffs[i]), se, src, soff+int16(soffs[i]), pad)
				continue
			}
			g.b.emit(asm.LoadMem(asm.R1, src, soff+int16(soffs[i]), sizeOp(maps.SizeOf(se))))
			g.extend(asm.R1, se)
			g.b.emit(asm.StoreMem(dst, doff+int16(doffs[i]), asm.R1, sizeOp(maps.SizeOf(de))))
		}
	case dt.Kind == lang.KindStr && st.Kind == lang.KindStr && st.Size > dt.Size:
		g.copyMem(dst, doff, src, soff, dt.Size-1)
		g.b.emit(asm.StoreImm(dst, doff+int16(dt.Size-1), 0, asm.Byte))
	default:
		n := min(maps.SizeOf(st), maps.SizeOf(dt))
		g.copyMem(dst, doff, src, soff, n)
		if pad && maps.SizeOf(dt) > n {
			g.zero(dst, doff+int16(n), maps.SizeOf(dt)-n)
		}
	}
}

func sameLayout(a, b *lang.Type) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case lang.KindTuple:
		if len(a.Elems) != len(b.Elems) {
			return false
		}
		for i := range a.Elems {
			if !sameLayout(a.Elems[i], b.Elems[i]) {
				return false
			}
		}
		return true
	case lang.KindInt, lang.KindStr:
		return a.Size == b.Size
	}
	return maps.SizeOf(a) == maps.SizeOf(b)
}

// literal writes a string constant as a dt value: its bytes, a NUL, and
// with pad the zero tail, eight bytes per store.
func (g *gen) literal(s string, dt *lang.Type, base asm.Register, off int16, pad bool) {
	size := maps.SizeOf(dt)
	if len(s) > size-1 {
		s = s[:max(size-1, 0)]
	}
	n := len(s) + 1
	if pad {
		n = size
	}
	buf := make([]byte, n)
	copy(buf, s)
	g.storeBytes(base, off, buf)
}

// storeBytes writes b at base+off with immediate stores, as wide as
// alignment allows.
func (g *gen) storeBytes(base asm.Register, off int16, b []byte) {
	n := len(b)
	buf := make([]byte, maps.Round8(n))
	copy(buf, b)
	for i := 0; i < n; {
		w := width(int(off)+i, n-i)
		var v int64
		switch w {
		case 8:
			v = int64(binary.LittleEndian.Uint64(buf[i:]))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(buf[i:])))
		case 2:
			v = int64(binary.LittleEndian.Uint16(buf[i:]))
		default:
			v = int64(buf[i])
		}
		switch {
		case w == 8 && v == int64(int32(v)):
			g.b.emit(storeImm64(base, off+int16(i), int32(v)))
		case w == 8:
			g.b.emit(asm.LoadImm(asm.R1, v, asm.DWord), asm.StoreMem(base, off+int16(i), asm.R1, asm.DWord))
		default:
			g.b.emit(asm.StoreImm(base, off+int16(i), v, sizeOp(w)))
		}
		i += w
	}
}

// tuple writes a tuple expression as type dt.
func (g *gen) tuple(e *lang.Tuple, dt *lang.Type, base asm.Register, off int16, pad bool) {
	if dt.Kind != lang.KindTuple || len(dt.Elems) != len(e.Elems) {
		panic("BUG: codegen: tuple shape mismatch")
	}
	offs := maps.Layout(dt)
	if pad {
		// Zero the alignment gaps so equal tuples are equal bytes.
		end := 0
		for i, et := range dt.Elems {
			if offs[i] > end {
				g.zero(base, off+int16(end), offs[i]-end)
			}
			end = offs[i] + maps.SizeOf(et)
		}
		if total := maps.SizeOf(dt); total > end {
			g.zero(base, off+int16(end), total-end)
		}
	}
	for i, x := range e.Elems {
		g.memExpr(x, dt.Elems[i], base, off+int16(offs[i]), pad)
	}
}

func init() {
	addBuiltinMem("comm", func(g *gen, _ *lang.Builtin, dt *lang.Type, base asm.Register, off int16, pad bool) {
		g.comm(dt, base, off, pad)
	})
}

// comm writes the current task's name as a dt string, NUL padded: a
// string is a map key and compares bytewise, and bpf_get_current_comm
// pads only on some kernels (6.1's strscpy leaves the bytes after the NUL
// as they were, so one comm made many keys), hence the zeroing first.
func (g *gen) comm(dt *lang.Type, base asm.Register, off int16, pad bool) {
	if dt.Size < 16 {
		slot := g.f.alloc(16)
		g.comm(lang.StrType(16), asm.RFP, slot, false)
		g.copyConvert(dt, base, off, lang.StrType(16), asm.RFP, slot, pad)
		return
	}
	g.zero(base, off, 16)
	g.addr(asm.R1, base, off)
	g.b.emit(asm.Mov.Imm(asm.R2, 16), asm.FnGetCurrentComm.Call())
	g.checkHelper(asm.FnGetCurrentComm)
	if pad && dt.Size > 16 {
		g.zero(base, off+16, dt.Size-16)
	}
}

// memEqual sets dst to 1 when two memory values are equal: strings up to
// their NUL (both are NUL padded), other values bytewise.
func (g *gen) memEqual(x, y lang.Expr, dst asm.Register) {
	xt, yt := g.typeOf(x), g.typeOf(y)
	if _, ok := x.(*lang.StrLit); ok {
		x, y, xt, yt = y, x, yt, xt
	}
	ne, end := g.b.label("ne"), g.b.label("eq_end")
	xb, xoff := g.memPtr(x)
	if lit, ok := y.(*lang.StrLit); ok && xt.Kind == lang.KindStr {
		// Compare with immediates: the literal and its NUL.
		s := lit.Value
		if len(s) > xt.Size-1 {
			// Longer than the string can hold: never equal.
			g.b.emit(asm.Mov.Imm(dst, 0))
			return
		}
		buf := make([]byte, maps.Round8(len(s)+1))
		copy(buf, s)
		n := len(s) + 1
		for i := 0; i < n; {
			w := width(int(xoff)+i, n-i)
			var v int64
			switch w {
			case 8:
				v = int64(binary.LittleEndian.Uint64(buf[i:]))
			case 4:
				v = int64(binary.LittleEndian.Uint32(buf[i:]))
			case 2:
				v = int64(binary.LittleEndian.Uint16(buf[i:]))
			default:
				v = int64(buf[i])
			}
			g.b.emit(asm.LoadMem(asm.R1, xb, xoff+int16(i), sizeOp(w)))
			if w == 8 || v != int64(int32(v)) {
				g.b.emit(asm.LoadImm(asm.R2, v, asm.DWord), asm.JNE.Reg(asm.R1, asm.R2, ne))
			} else {
				g.b.emit(asm.JNE.Imm(asm.R1, int32(v), ne))
			}
			i += w
		}
	} else {
		yb, yoff := g.memPtr(y)
		xs, ys := maps.SizeOf(xt), maps.SizeOf(yt)
		n := min(xs, ys)
		for i := 0; i < n; {
			w := min(width(int(xoff)+i, n-i), width(int(yoff)+i, n-i))
			g.b.emit(
				asm.LoadMem(asm.R1, xb, xoff+int16(i), sizeOp(w)),
				asm.LoadMem(asm.R2, yb, yoff+int16(i), sizeOp(w)),
				asm.JNE.Reg(asm.R1, asm.R2, ne),
			)
			i += w
		}
		// A shorter string equals a longer one only if the longer ends there.
		if xt.Kind == lang.KindStr && xs != ys {
			lb, loff := xb, xoff
			if ys > xs {
				lb, loff = yb, yoff
			}
			g.b.emit(asm.LoadMem(asm.R1, lb, loff+int16(n), asm.Byte), asm.JNE.Imm(asm.R1, 0, ne))
		}
	}
	g.b.emit(asm.Mov.Imm(dst, 1), asm.Ja.Label(end))
	g.b.mark(ne)
	g.b.emit(asm.Mov.Imm(dst, 0))
	g.b.mark(end)
}

// elemInt reads an integer element of a tuple (t.N) or array (a[i]).
func (g *gen) elemInt(e lang.Expr, dst asm.Register) {
	switch e := e.(type) {
	case *lang.TupleIndex:
		src, soff := g.memPtr(e.X)
		et := g.typeOf(e)
		off := maps.Layout(g.typeOf(e.X))[e.Index]
		g.b.emit(asm.LoadMem(dst, src, soff+int16(off), sizeOp(maps.SizeOf(et))))
		g.extend(dst, et)
	case *lang.Index:
		xt := g.typeOf(e.X)
		if f, isField := e.X.(*lang.Field); xt.IsPtr() || g.inMemory(e) && !(isField && g.isArgsField(f)) {
			// Through pointers, or inside a struct reached by one
			// (args arrays of a tracepoint are loaded from the context).
			g.chainInt(e, dst)
			return
		}
		i, ok := g.constOf(e.Index)
		et := g.typeOf(e)
		if !ok {
			g.varIndex(e, xt, et, dst)
			return
		}
		if f, isField := e.X.(*lang.Field); isField && g.isArgsField(f) {
			g.argsArrayElem(f, int(i), et, dst)
			return
		}
		src, soff := g.memPtr(e.X)
		g.b.emit(asm.LoadMem(dst, src, soff+int16(int(i)*maps.SizeOf(et)), sizeOp(maps.SizeOf(et))))
		g.extend(dst, et)
	}
}

// varIndex reads x[i] with an index known only at run time (pointers are
// chains, btf_fields.go): in an array after a bounds check
// (an index past the end reads as 0), from memory with a variable offset
// the verifier bounds, or from a tracepoint record with a read.
func (g *gen) varIndex(e *lang.Index, xt, et *lang.Type, dst asm.Register) {
	size := maps.SizeOf(et)
	if size < 1 || size > 8 {
		fail(e, "indexing %s: %v", xt, ErrUnsupported)
	}
	idx := g.hold()
	g.intInto(e.Index, idx)
	defer g.release(idx)
	n := xt.Len
	if xt.Kind == lang.KindStr {
		n = xt.Size
	} else if xt.Kind != lang.KindArray {
		n = 0
	}
	if n < 1 {
		fail(e, "indexing %s with a variable index: %v", xt, ErrUnsupported)
	}
	out, end := g.b.label("index_out"), g.b.label("index_end")
	if f, isField := e.X.(*lang.Field); isField && g.isArgsField(f) && g.grp.provider == lang.Tracepoint {
		m := g.argsMember(f)
		g.load(asm.R1, idx)
		g.b.emit(
			asm.JGE.Imm(asm.R1, int32(n), out),
			asm.Mul.Imm(asm.R1, int32(size)),
			asm.Mov.Reg(asm.R3, asm.R6),
			asm.Add.Imm(asm.R3, int32(m.Offset)),
			asm.Add.Reg(asm.R3, asm.R1),
		)
		g.readKernel(dst, asm.R3, 0, et)
	} else {
		src, soff := g.memPtr(e.X)
		g.load(asm.R1, idx)
		g.b.emit(
			asm.JGE.Imm(asm.R1, int32(n), out),
			asm.Mul.Imm(asm.R1, int32(size)),
			asm.Mov.Reg(asm.R2, src),
			asm.Add.Reg(asm.R2, asm.R1),
			asm.LoadMem(dst, asm.R2, soff, sizeOp(size)),
		)
		g.extend(dst, et)
	}
	g.b.emit(asm.Ja.Label(end))
	g.b.mark(out)
	g.b.emit(asm.Mov.Imm(dst, 0))
	g.b.mark(end)
}
