package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

// Field chains through kernel (or user) memory: curtask->real_parent->comm,
// $t->se.on_rq, curtask->signal->rlim[7].rlim_cur, (*$p).x, $p[i].
//
// place computes the address of a chain's storage: every pointer hop is one
// read (an intExpr of the pointer-valued prefix), and every `.member` and
// constant `[i]` inside the same object only adds to a constant offset that
// is folded into the final read. A variable index into a fixed-size array
// is bounds checked; past the end the chain's value is 0 (an empty string
// for strings), as an out-of-range read would be.

// inMemory reports whether e's value lives at an address place can compute
// (as opposed to registers, the stack or a map).
func (g *gen) inMemory(e lang.Expr) bool {
	switch e := e.(type) {
	case *lang.Field:
		if g.isArgsField(e) {
			return ctxRecord(g.grp.provider)
		}
		xt := g.typeOf(e.X)
		return xt.IsPtr() || xt.Kind == lang.KindRecord && g.inMemory(e.X)
	case *lang.Index:
		xt := g.typeOf(e.X)
		return xt.IsPtr() || (xt.Kind == lang.KindArray || xt.Kind == lang.KindStr) && g.inMemory(e.X)
	case *lang.Unary:
		return e.Op == lang.OpMul && g.typeOf(e.X).IsPtr()
	}
	return false
}

// fieldOf returns the member a field access resolved to in the checker.
func (g *gen) fieldOf(f *lang.Field) *lang.Member {
	if m := g.c.info.Fields[f]; m != nil {
		return m
	}
	xt := g.typeOf(f.X)
	if xt.IsPtr() {
		xt = xt.Elem
	}
	if m := xt.Member(f.Name); m != nil {
		return m
	}
	fail(f, "field %s: the layout of %s is unknown: %v", f.Name, xt, ErrUnsupported)
	return nil
}

// place leaves in R3 an address and returns the constant offset from it of
// e's storage, and whether that storage is user memory. An index past a
// fixed array's end jumps to *out (created on first need). e must be
// inMemory.
func (g *gen) place(e lang.Expr, out *string) (off int, user bool) {
	switch e := e.(type) {
	case *lang.Field:
		if g.isArgsField(e) {
			// A tracepoint's record (fentry's and a raw
			// tracepoint's argument slots) is the context itself.
			g.b.emit(asm.Mov.Reg(asm.R3, asm.R6))
			return g.argsMember(e).Offset, false
		}
		m := g.fieldOf(e)
		xt := g.typeOf(e.X)
		if xt.IsPtr() {
			g.intExpr(e.X, asm.R3)
			return m.Offset, xt.User
		}
		off, user = g.place(e.X, out)
		return off + m.Offset, user
	case *lang.Index:
		return g.placeIndex(e, out)
	case *lang.Unary:
		g.intExpr(e.X, asm.R3)
		return 0, g.typeOf(e.X).User
	}
	panic("BUG: codegen: place of an expression not in memory")
}

// placeIndex places x[i]: a constant index folds into the offset, a
// variable one is scaled and added to the address (checked against the
// length of a fixed array; a pointer's extent is unknown, as in C).
func (g *gen) placeIndex(e *lang.Index, out *string) (int, bool) {
	xt := g.typeOf(e.X)
	size := 1
	if xt.Kind != lang.KindStr {
		size = maps.SizeOf(xt.Elem)
	}
	base := func() (int, bool) {
		if xt.IsPtr() {
			g.intExpr(e.X, asm.R3)
			return 0, xt.User
		}
		return g.place(e.X, out)
	}
	if i, ok := g.constOf(e.Index); ok {
		off, user := base()
		return off + int(i)*size, user
	}
	idx := g.hold()
	defer g.release(idx)
	g.intInto(e.Index, idx)
	off, user := base()
	g.load(asm.R1, idx)
	if n := arrayLen(xt); n > 0 {
		if *out == "" {
			*out = g.b.label("index_out")
		}
		g.b.emit(asm.JGE.Imm(asm.R1, int32(n), *out))
	}
	if size != 1 {
		g.b.emit(asm.Mul.Imm(asm.R1, int32(size)))
	}
	g.b.emit(asm.Add.Reg(asm.R3, asm.R1))
	return off, user
}

// arrayLen is the element count of a fixed array or char array, 0 for a
// pointer.
func arrayLen(t *lang.Type) int {
	switch t.Kind {
	case lang.KindArray:
		return t.Len
	case lang.KindStr:
		return t.Size
	}
	return 0
}

// chainInt reads the integer (or pointer) value of an in-memory chain into
// dst: one read of the value's own size, then a bitfield's extraction.
func (g *gen) chainInt(e lang.Expr, dst asm.Register) {
	var out string
	off, user := g.place(e, &out)
	t := g.typeOf(e)
	g.readAt(dst, off, t, user)
	if f, ok := e.(*lang.Field); ok && !g.isArgsField(f) {
		g.bitfield(dst, g.fieldOf(f))
	}
	if out != "" {
		end := g.b.label("index_end")
		g.b.emit(asm.Ja.Label(end))
		g.b.mark(out)
		g.b.emit(asm.Mov.Imm(dst, 0))
		g.b.mark(end)
	}
}

// readAt reads a scalar of type t at R3+off into dst with
// bpf_probe_read_kernel or, for user memory, bpf_probe_read_user (both
// 5.5+). The helpers zero the slot when the read faults, so the value of a
// bad pointer is 0 and the slot needs no clearing first.
func (g *gen) readAt(dst asm.Register, off int, t *lang.Type, user bool) {
	size := min(max(t.Size, 1), 8)
	if !t.IsInt() {
		size = 8
	}
	slot := g.f.alloc(8)
	if off != 0 {
		g.b.emit(asm.Add.Imm(asm.R3, int32(off)))
	}
	g.b.emit(
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, int32(slot)),
		asm.Mov.Imm(asm.R2, int32(size)),
	)
	g.call(readFn(user, false))
	g.checkRead(readFn(user, false))
	g.b.emit(asm.LoadMem(dst, asm.RFP, slot, sizeOp(size)))
	g.extend(dst, t)
}

// userSpace reports whether the clause probes a process (uprobe,
// uretprobe, usdt): there an integer address dereferenced with `*`
// names the process's memory, as in bpftrace.
func (g *gen) userSpace() bool {
	switch g.grp.provider {
	case lang.Uprobe, lang.Uretprobe, lang.USDT:
		return true
	}
	return false
}

// readFn picks the probe-read helper for an address space.
func readFn(user, str bool) asm.BuiltinFunc {
	switch {
	case user && str:
		return asm.FnProbeReadUserStr
	case user:
		return asm.FnProbeReadUser
	case str:
		return asm.FnProbeReadKernelStr
	}
	return asm.FnProbeReadKernel
}

// chainMem writes the memory-valued chain e (a char array as a string, an
// embedded struct, an array) as type dt at base+off. Strings are read with
// the _str helper, which stops at the NUL and always terminates.
func (g *gen) chainMem(e lang.Expr, dt *lang.Type, base asm.Register, off int16, pad bool) {
	st := g.typeOf(e)
	if pad {
		g.zero(base, off, maps.SizeOf(dt))
	}
	n := min(maps.SizeOf(dt), maps.SizeOf(st))
	str := dt.Kind == lang.KindStr && (st.Kind == lang.KindStr ||
		st.Kind == lang.KindArray && st.Elem != nil && maps.SizeOf(st.Elem) == 1)
	if str {
		// One byte past a char[N] lets a full array keep its N chars;
		// the helper writes the NUL within n.
		n = min(maps.SizeOf(dt), arrayLen(st)+1)
	}
	if n <= 0 {
		return
	}
	var out string
	at, user := g.place(e, &out)
	if at != 0 {
		g.b.emit(asm.Add.Imm(asm.R3, int32(at)))
	}
	g.addr(asm.R1, base, off)
	g.b.emit(asm.Mov.Imm(asm.R2, int32(n)))
	g.call(readFn(user, str))
	g.checkRead(readFn(user, str))
	if out != "" {
		end := g.b.label("index_end")
		g.b.emit(asm.Ja.Label(end))
		g.b.mark(out)
		g.zero(base, off, n)
		g.b.mark(end)
	}
}

// addrOf computes &x of a field or element in kernel or user memory: the
// address place finds, without reading it. Variables and maps have no
// address a script could use (they live on the BPF stack or in a map).
func (g *gen) addrOf(e *lang.Unary, dst asm.Register) {
	if f, ok := e.X.(*lang.Field); !g.inMemory(e.X) || ok && g.isArgsField(f) {
		fail(e, "taking the address of %s: %v", g.c.text(e.X.SpanOf()), ErrUnsupported)
	}
	var out string
	off, _ := g.place(e.X, &out)
	if off != 0 {
		g.b.emit(asm.Add.Imm(asm.R3, int32(off)))
	}
	if out != "" {
		end := g.b.label("index_end")
		g.b.emit(asm.Ja.Label(end))
		g.b.mark(out)
		g.b.emit(asm.Mov.Imm(asm.R3, 0))
		g.b.mark(end)
	}
	if dst != asm.R3 {
		g.b.emit(asm.Mov.Reg(dst, asm.R3))
	}
}

// valueField reads a field of a struct value the script holds ($r.x of
// `$r = curtask->signal->rlim[7]`, @m.x): from the copy in a stack slot or
// map value, without a helper. It reports false when f.X is no such value.
func (g *gen) valueField(f *lang.Field, dst asm.Register) bool {
	if g.typeOf(f.X).Kind != lang.KindRecord || g.inMemory(f.X) || g.isArgsField(f) {
		return false
	}
	m := g.fieldOf(f)
	src, soff := g.memPtr(f.X)
	size := maps.SizeOf(m.Type)
	if !m.Type.IsInt() && !m.Type.IsPtr() || size > 8 {
		fail(f, "reading %s as an integer: %v", m.Type, ErrUnsupported)
	}
	g.b.emit(asm.LoadMem(dst, src, soff+int16(m.Offset), sizeOp(size)))
	g.extend(dst, m.Type)
	g.bitfield(dst, m)
	return true
}

// valueFieldMem copies a memory-valued field (a string, a nested struct)
// of a struct value the script holds. It reports false when f.X is no
// such value.
func (g *gen) valueFieldMem(f *lang.Field, dt *lang.Type, base asm.Register, off int16, pad bool) bool {
	if g.typeOf(f.X).Kind != lang.KindRecord || g.inMemory(f.X) || g.isArgsField(f) {
		return false
	}
	m := g.fieldOf(f)
	src, soff := g.memPtr(f.X)
	g.copyConvert(dt, base, off, m.Type, src, soff+int16(m.Offset), pad)
	return true
}
