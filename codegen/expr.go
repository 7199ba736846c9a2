package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
)

// isMem reports whether values of type t live in memory (stack slots, map
// values, event records) rather than in a register.
func isMem(t *lang.Type) bool {
	switch t.Kind {
	case lang.KindStr, lang.KindBuf, lang.KindTuple, lang.KindRecord, lang.KindArray,
		lang.KindInet, lang.KindMacAddr, lang.KindTimestamp:
		return true
	}
	return false
}

// intExpr evaluates a register-valued expression into dst. Invariant: the
// register holds the value extended to 64 bits per its type (zero for
// unsigned, sign for signed).
func (g *gen) intExpr(e lang.Expr, dst asm.Register) {
	if v, ok := g.constOf(e); ok && g.typeOf(e).Kind != lang.KindStr {
		g.b.emit(movImm(dst, v))
		return
	}
	saved := g.b.span
	g.b.span = e.SpanOf()
	defer func() { g.b.span = saved }()
	switch e := e.(type) {
	case *lang.Var:
		v, ok := g.vars[e.Name]
		if !ok {
			panic("BUG: codegen: variable without a slot: $" + e.Name)
		}
		g.b.emit(asm.LoadMem(dst, v.reg, v.off, asm.DWord))
	case *lang.Binary:
		g.binary(e, dst)
	case *lang.Unary:
		g.unary(e, dst)
	case *lang.Ternary:
		els, end := g.b.label("tern_else"), g.b.label("tern_end")
		g.condJump(e.Cond, false, els)
		g.intExpr(e.Then, dst)
		g.reextend(e.Then, g.typeOf(e), dst)
		g.b.emit(asm.Ja.Label(end))
		g.b.mark(els)
		g.intExpr(e.Else, dst)
		g.reextend(e.Else, g.typeOf(e), dst)
		g.b.mark(end)
	case *lang.Cast:
		g.intExpr(e.X, dst)
		from, to := g.typeOf(e.X), g.typeOf(e)
		if to.IsInt() {
			// bpftrace 0.17 widens with the target's signedness (LLVM
			// IntCast): (int64)(uint8)253 is -3, (uint64)(int8)-1 255.
			g.reextend(e.X, to, dst)
		}
		g.convert(dst, from, to)
	case *lang.Builtin:
		g.builtin(e, dst)
	case *lang.Call:
		g.callValue(e, dst)
	case *lang.Map:
		g.mapRead(e, dst)
	case *lang.IncDec:
		g.incDec(e, dst)
	case *lang.Field:
		g.fieldInt(e, dst)
	case *lang.TupleIndex, *lang.Index:
		g.elemInt(e, dst)
	default:
		fail(e, "%s: cannot compile this expression: %v", g.c.text(e.SpanOf()), ErrUnsupported)
	}
}

// intInto evaluates e into a held place.
func (g *gen) intInto(e lang.Expr, h held) {
	if h.reg != asm.R0 {
		g.intExpr(e, h.reg)
		return
	}
	g.intExpr(e, asm.R0)
	g.store(h, asm.R0)
}

// leaf reports whether e evaluates without helper calls or scratch
// registers (so it can be computed into any register at any time).
func (g *gen) leaf(e lang.Expr) bool {
	if _, ok := g.constOf(e); ok {
		return true
	}
	_, ok := e.(*lang.Var)
	return ok
}

// other returns a scratch register among R1/R2 that is not r.
func other(r asm.Register) asm.Register {
	if r == asm.R1 {
		return asm.R2
	}
	return asm.R1
}

func (g *gen) binary(e *lang.Binary, dst asm.Register) {
	if e.Op.IsComparison() || e.Op.IsLogical() {
		t, end := g.b.label("true"), g.b.label("bool_end")
		g.condJump(e, true, t)
		g.b.emit(asm.Mov.Imm(dst, 0), asm.Ja.Label(end))
		g.b.mark(t)
		g.b.emit(asm.Mov.Imm(dst, 1))
		g.b.mark(end)
		return
	}
	rt := g.typeOf(e)
	x, y := e.X, e.Y
	xt, yt := g.typeOf(x), g.typeOf(y)
	if xt.IsInt() && yt.IsPtr() && e.Op == lang.OpAdd {
		x, y, xt, yt = y, x, yt, xt // N + p is p + N
	}
	signed := xt.Signed && yt.Signed
	// Pointer arithmetic scales the integer by the element size, as C.
	scale := int64(1)
	if xt.IsPtr() && yt.IsInt() {
		scale = ptrStep(xt)
	}
	if g.zeroedBy(e.Op, y) {
		g.intExpr(x, dst)
		g.b.emit(asm.Mov.Imm(dst, 0))
		return
	}
	if v, ok := g.constOf(y); ok && v*scale == int64(int32(v*scale)) && !(yt.IsPtr()) {
		g.intExpr(x, dst)
		g.aluImm(e.Op, dst, v*scale, signed)
		g.convert(dst, lang.IntType(8, rt.Signed), rt)
		return
	}
	if g.leaf(y) {
		g.intExpr(x, dst)
		s := other(dst)
		g.intExpr(y, s)
		g.scale(s, scale)
		g.aluOp(e.Op, dst, s, signed, rt)
		return
	}
	h := g.hold()
	g.intInto(x, h)
	g.intExpr(y, dst)
	g.scale(dst, scale)
	s := other(dst)
	g.load(s, h)
	g.release(h)
	g.aluOp(e.Op, s, dst, signed, rt)
	g.b.emit(asm.Mov.Reg(dst, s))
}

// ptrStep is what one step of pointer arithmetic adds to a pointer of
// type t: the pointee's size (1 for void and unsized pointees), as
// bpftrace and C do for p + n, p++ and p -= n.
func ptrStep(t *lang.Type) int64 {
	if t.IsPtr() && t.Elem != nil && t.Elem.Size > 1 {
		return int64(t.Elem.Size)
	}
	return 1
}

func (g *gen) scale(r asm.Register, n int64) {
	if n != 1 {
		g.b.emit(asm.Mul.Imm(r, int32(n)))
	}
}

// aluOps are the ALU operations of the arithmetic operators. bpftrace
// 0.17 divides as unsigned 64-bit numbers even when both operands are
// signed (-17 / 5 = 3689348814741910319), and shifts signed values right
// logically too: signedness changes none of them.
var aluOps = map[lang.Op]asm.ALUOp{
	lang.OpAdd: asm.Add, lang.OpSub: asm.Sub, lang.OpMul: asm.Mul,
	lang.OpQuo: asm.Div, lang.OpRem: asm.Mod,
	lang.OpAnd: asm.And, lang.OpOr: asm.Or, lang.OpXor: asm.Xor,
	lang.OpShl: asm.LSh, lang.OpShr: asm.RSh,
}

// aluFor maps an operator to its ALU operation.
func aluFor(op lang.Op, _ bool) asm.ALUOp {
	alu, ok := aluOps[op]
	if !ok {
		panic("BUG: codegen: unknown operator " + op.String())
	}
	return alu
}

// reextend re-extends the value of x in r with the sign of the integer
// type it becomes (sema.Reextend).
func (g *gen) reextend(x lang.Expr, to *lang.Type, r asm.Register) {
	if to.IsInt() {
		g.convert(r, lang.Int64, sema.Reextend(x, g.c.info.Types, to.Signed, to.Size))
	}
}

// zeroedBy reports whether `x op amount` is 0 whatever x because amount is
// a constant that bpftrace 0.17's LLVM folds so: a shift outside 0..63
// ($a << 64, $a >> -1; BPF would take it modulo 64 or the verifier refuse
// it) and a division or modulo by 0 (BPF would leave x for %).
func (g *gen) zeroedBy(op lang.Op, amount lang.Expr) bool {
	v, ok := g.constOf(amount)
	switch {
	case !ok:
		return false
	case op == lang.OpShl || op == lang.OpShr:
		return v < 0 || v > 63
	case op == lang.OpQuo || op == lang.OpRem:
		return v == 0
	}
	return false
}

// aluOp computes dst = dst op src (64-bit).
func (g *gen) aluOp(op lang.Op, dst, src asm.Register, signed bool, rt *lang.Type) {
	g.b.emit(aluFor(op, signed).Reg(dst, src))
	if rt != nil && rt.IsInt() && rt.Size < 8 {
		g.convert(dst, lang.IntType(8, rt.Signed), rt)
	}
}

// aluImm computes dst = dst op v.
func (g *gen) aluImm(op lang.Op, dst asm.Register, v int64, signed bool) {
	if (op == lang.OpAdd || op == lang.OpSub || op == lang.OpOr || op == lang.OpXor || op == lang.OpShl || op == lang.OpShr) && v == 0 {
		return
	}
	if (op == lang.OpMul || op == lang.OpQuo) && v == 1 {
		return
	}
	g.b.emit(aluFor(op, signed).Imm(dst, int32(v)))
}

// convert changes the representation of the value in r from type from to
// type to: truncation to a narrower integer, sign or zero extension.
func (g *gen) convert(r asm.Register, from, to *lang.Type) {
	if to == nil || !(to.IsInt()) || to.Size >= 8 || to.Size == 0 {
		return
	}
	if from != nil && from.IsInt() && from.Size <= to.Size && from.Signed == to.Signed {
		return
	}
	bits := int32(64 - 8*to.Size)
	if to.Signed {
		g.b.emit(asm.LSh.Imm(r, bits), asm.ArSh.Imm(r, bits))
		return
	}
	switch to.Size {
	case 4:
		g.b.emit(asm.Mov.Reg32(r, r))
	default:
		g.b.emit(asm.And.Imm(r, int32(1)<<(8*to.Size)-1))
	}
}

func (g *gen) unary(e *lang.Unary, dst asm.Register) {
	switch e.Op {
	case lang.OpSub:
		// In the operand's width when it is narrow (sema.NarrowWidth):
		// -(uint8)251 is 5, as bpftrace 0.17.
		g.intExpr(e.X, dst)
		g.b.emit(asm.Neg.Imm(dst, 0))
		g.convert(dst, lang.Int64, sema.NarrowWidth(e.X, g.c.info.Types))
	case lang.OpCompl:
		g.intExpr(e.X, dst)
		g.b.emit(asm.Xor.Imm(dst, -1))
		g.convert(dst, lang.Int64, sema.NarrowWidth(e.X, g.c.info.Types))
	case lang.OpNot:
		t, end := g.b.label("not_true"), g.b.label("not_end")
		g.condJump(e.X, false, t)
		g.b.emit(asm.Mov.Imm(dst, 0), asm.Ja.Label(end))
		g.b.mark(t)
		g.b.emit(asm.Mov.Imm(dst, 1))
		g.b.mark(end)
	case lang.OpMul:
		if g.typeOf(e.X).IsPtr() {
			if _, cast := e.X.(*lang.Cast); cast {
				// *(int8*)addr: a pointer made from an integer.
				g.derefError(e, func() { g.chainInt(e, dst) })
				return
			}
			g.chainInt(e, dst)
			return
		}
		// *addr of an integer: 8 bytes at that address, as bpftrace.
		g.intExpr(e.X, asm.R3)
		g.derefError(e, func() { g.readAt(dst, 0, g.typeOf(e), g.userSpace()) })
	case lang.OpAnd:
		g.addrOf(e, dst)
	default:
		fail(e, "the %s operator: %v", e.Op, ErrUnsupported)
	}
}

// readKernel reads a scalar of type t at address src+off into dst with
// bpf_probe_read_kernel (5.5+). src must be R3. User memory is read by
// readAt, chosen by the pointer's type (btf_fields.go).
func (g *gen) readKernel(dst, src asm.Register, off int16, t *lang.Type) {
	if src != asm.R3 {
		panic("BUG: codegen: readKernel needs its address in R3")
	}
	g.readAt(dst, int(off), t, false)
}

// extend sign-extends a value of a signed type narrower than 64 bits that
// was loaded zero-extended.
func (g *gen) extend(r asm.Register, t *lang.Type) {
	if t.Kind == lang.KindInt && t.Signed && t.Size < 8 {
		bits := int32(64 - 8*t.Size)
		g.b.emit(asm.LSh.Imm(r, bits), asm.ArSh.Imm(r, bits))
	}
}

// jumpOp returns the conditional jump of a comparison.
func jumpOp(op lang.Op, signed bool) asm.JumpOp {
	j, ok := jumpOps[op]
	if !ok {
		panic("BUG: codegen: not a comparison: " + op.String())
	}
	if signed {
		return j.signed
	}
	return j.unsigned
}

// jumpOps are the conditional jumps of the comparisons, unsigned and
// signed.
var jumpOps = map[lang.Op]struct{ unsigned, signed asm.JumpOp }{
	lang.OpEql: {asm.JEq, asm.JEq}, lang.OpNeq: {asm.JNE, asm.JNE},
	lang.OpLss: {asm.JLT, asm.JSLT}, lang.OpLeq: {asm.JLE, asm.JSLE},
	lang.OpGtr: {asm.JGT, asm.JSGT}, lang.OpGeq: {asm.JGE, asm.JSGE},
}

// condJump jumps to target when the truth of e equals when; otherwise it
// falls through. && and || short-circuit.
func (g *gen) condJump(e lang.Expr, when bool, target string) {
	if v, ok := g.constOf(e); ok {
		if (v != 0) == when {
			g.b.emit(asm.Ja.Label(target))
		}
		return
	}
	switch e := e.(type) {
	case *lang.Binary:
		switch {
		case e.Op == lang.OpLAnd && !when, e.Op == lang.OpLOr && when:
			g.condJump(e.X, when, target)
			g.condJump(e.Y, when, target)
			return
		case e.Op == lang.OpLAnd || e.Op == lang.OpLOr:
			skip := g.b.label("sc_skip")
			g.condJump(e.X, !when, skip)
			g.condJump(e.Y, when, target)
			g.b.mark(skip)
			return
		case e.Op.IsComparison():
			g.compareJump(e, when, target)
			return
		}
	case *lang.Unary:
		if e.Op == lang.OpNot {
			g.condJump(e.X, !when, target)
			return
		}
	}
	g.intExpr(e, asm.R0)
	if when {
		g.b.emit(asm.JNE.Imm(asm.R0, 0, target))
	} else {
		g.b.emit(asm.JEq.Imm(asm.R0, 0, target))
	}
}

func (g *gen) compareJump(e *lang.Binary, when bool, target string) {
	xt, yt := g.typeOf(e.X), g.typeOf(e.Y)
	op := e.Op
	if !when {
		op = op.Negate()
	}
	if isMem(xt) || isMem(yt) {
		g.memEqual(e.X, e.Y, asm.R0)
		if op == lang.OpEql {
			g.b.emit(asm.JNE.Imm(asm.R0, 0, target))
		} else {
			g.b.emit(asm.JEq.Imm(asm.R0, 0, target))
		}
		return
	}
	signed := xt.Signed && yt.Signed
	jop := jumpOp(op, signed)
	if v, ok := g.constOf(e.Y); ok && v == int64(int32(v)) {
		g.intExpr(e.X, asm.R0)
		g.b.emit(jop.Imm(asm.R0, int32(v), target))
		return
	}
	if g.leaf(e.Y) {
		g.intExpr(e.X, asm.R0)
		g.intExpr(e.Y, asm.R1)
		g.b.emit(jop.Reg(asm.R0, asm.R1, target))
		return
	}
	h := g.hold()
	g.intInto(e.X, h)
	g.intExpr(e.Y, asm.R0)
	g.load(asm.R1, h)
	g.release(h)
	g.b.emit(jop.Reg(asm.R1, asm.R0, target))
}
